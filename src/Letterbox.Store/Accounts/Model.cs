namespace Letterbox.Store;

/// <summary>A local user's Maildir++ mailbox: where delivery puts mail for <see cref="Address"/>.</summary>
/// <param name="Address">The user's canonical address (lowercased as described on <see cref="AccountStore"/>).</param>
/// <param name="Directory">The Maildir root, <c>&lt;data&gt;/mail/&lt;domain&gt;/&lt;localpart&gt;</c>.</param>
public sealed record Mailbox(string Address, string Directory);

/// <summary>A virtual user.</summary>
/// <param name="Address">Canonical address, <c>localpart@domain</c>.</param>
/// <param name="PasswordHash">crypt(3) SHA-512 hash, <c>$6$...</c> (prefix <c>{SHA512-CRYPT}</c> for Dovecot).</param>
/// <param name="QuotaBytes">Effective quota in bytes: the user's own, else the store's default; 0 is unlimited.</param>
/// <param name="OwnQuotaBytes">The user's own quota, or null when the store's default applies.</param>
/// <param name="UsageBytes">Bytes of mail stored, or null when not yet counted (counted on the next quota check).</param>
/// <param name="Mailbox">Where the user's mail lives.</param>
public sealed record UserAccount(
    string Address,
    string PasswordHash,
    long QuotaBytes,
    long? OwnQuotaBytes,
    long? UsageBytes,
    Mailbox Mailbox)
{
    /// <summary>The part before '@'.</summary>
    public string LocalPart => Address[..Address.LastIndexOf('@')];

    /// <summary>The part after '@'.</summary>
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];
}

/// <summary>A domain we receive mail for.</summary>
/// <param name="Name">Lowercased domain name.</param>
/// <param name="AliasOf">For a domain alias, the domain every address here stands for; null for a real domain.</param>
/// <param name="CatchAll">Where mail for unknown local parts goes, or null to reject it.</param>
public sealed record DomainInfo(string Name, string? AliasOf, string? CatchAll);

/// <summary>An alias address and where it points.</summary>
public sealed record AliasInfo(string Address, IReadOnlyList<string> Targets);

/// <summary>Whether a message of a given size fits in a mailbox.</summary>
public enum QuotaStatus
{
    /// <summary>It fits (or the mailbox has no quota).</summary>
    Ok,

    /// <summary>Not now: usage plus the message exceeds the quota. SMTP: 452 4.2.2 (RFC 3463).</summary>
    Full,

    /// <summary>Never: the message alone is larger than the quota. SMTP: 552 5.2.2.</summary>
    TooBig,
}

/// <summary>Settings of an <see cref="AccountStore"/>.</summary>
public sealed record AccountStoreOptions
{
    /// <summary>Quota of users without their own, in bytes; 0 is unlimited.</summary>
    public long DefaultQuotaBytes { get; init; }

    /// <summary>Cost of new password hashes (Argon2id); tests lower it to stay fast.</summary>
    public Argon2Cost Argon2 { get; init; } = new();
}

/// <summary>
/// A request the account store refuses: a malformed address or domain, a name that is taken,
/// a domain that is not ours. The message is meant for the administrator.
/// </summary>
public sealed class AccountException(string message) : Exception(message);
