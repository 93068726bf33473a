using Microsoft.Data.Sqlite;

namespace Letterbox.Store;

public sealed partial class AccountStore
{
    private const string UserColumns = "address, password_hash, quota_bytes, usage_bytes";

    /// <summary>
    /// Adds a virtual user with a password (hashed with Argon2id at <see cref="AccountStoreOptions.Argon2"/>)
    /// and creates the Maildir++ mailbox with its special folders.
    /// </summary>
    /// <param name="address">The user's address; its domain must be one of ours, not a domain alias.</param>
    /// <param name="password">The password (any UTF-8 text).</param>
    /// <param name="quotaBytes">The user's quota in bytes (0 unlimited), or null for the store's default.</param>
    public UserAccount AddUser(string address, string password, long? quotaBytes = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        return AddUserWithHash(address, PasswordHash.HashArgon2id(password, Options.Argon2), quotaBytes);
    }

    /// <summary>
    /// Adds a virtual user whose password hash was made elsewhere: <c>doveadm pw</c> ({ARGON2ID},
    /// {BLF-CRYPT}, {SHA512-CRYPT}), <c>openssl passwd -6</c>, <c>mkpasswd -m sha-512</c>, <c>htpasswd -B</c>.
    /// </summary>
    public UserAccount AddUserWithHash(string address, string passwordHash, long? quotaBytes = null)
    {
        string hash = NormalizeHash(passwordHash);
        CheckQuotaValue(quotaBytes);
        var user = LocalAddress(address);
        string canonical = user.ToString();
        using (var db = Write())
        {
            RealDomain(db, user.Domain);
            if (db.Scalar("SELECT 1 FROM users WHERE address = $a", ("$a", canonical)) is not null)
            {
                throw new AccountException($"user {canonical} exists already");
            }
            if (db.Scalar("SELECT 1 FROM aliases WHERE address = $a", ("$a", canonical)) is not null)
            {
                throw new AccountException($"{canonical} is an alias");
            }
            db.Execute("""
                INSERT INTO users (address, domain, password_hash, quota_bytes, usage_bytes, created_at)
                VALUES ($a, $d, $h, $q, NULL, unixepoch())
                """, ("$a", canonical), ("$d", user.Domain), ("$h", hash), ("$q", quotaBytes));
            db.Commit();
        }
        try
        {
            MaildirLayout.Create(MailboxOf(canonical).Directory);
            // Usually 0; more when a removed user's mail was left on disk, or mail was moved in first.
            RecountUsage(canonical);
        }
        catch
        {
            RemoveUser(canonical);
            throw;
        }
        return FindUser(canonical)!;
    }

    /// <summary>Sets a user's password (hashed as in <see cref="AddUser"/>).</summary>
    public void SetPassword(string address, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        SetPasswordHash(address, PasswordHash.HashArgon2id(password, Options.Argon2));
    }

    /// <summary>Sets a user's password hash (as in <see cref="AddUserWithHash"/>).</summary>
    public void SetPasswordHash(string address, string passwordHash)
    {
        string hash = NormalizeHash(passwordHash);
        UpdateUser(address, "UPDATE users SET password_hash = $v WHERE address = $a", hash);
    }

    /// <summary>Sets a user's quota in bytes (0 unlimited), or null for the store's default.</summary>
    public void SetQuota(string address, long? quotaBytes)
    {
        CheckQuotaValue(quotaBytes);
        UpdateUser(address, "UPDATE users SET quota_bytes = $v WHERE address = $a", quotaBytes);
    }

    /// <summary>
    /// Removes a user. Their mailbox directory is left on disk (deleting mail is the administrator's
    /// explicit act); adding the same address again finds it.
    /// </summary>
    /// <returns>False when there was no such user.</returns>
    public bool RemoveUser(string address)
    {
        var user = LocalAddress(address);
        using var db = Write();
        int removed = db.Execute("DELETE FROM users WHERE address = $a", ("$a", user.ToString()));
        db.Commit();
        return removed > 0;
    }

    /// <summary>
    /// The user with this address (a domain alias's address finds the user of the real domain),
    /// or null. Aliases and plus-addresses do not find users here: this is for logins.
    /// </summary>
    public UserAccount? FindUser(string address) => usage.Read(() => FindStoredUser(address), WithUnwritten);

    private UserAccount? FindStoredUser(string address)
    {
        if (!Address.TryParseLocal(address, out var parsed))
        {
            return null;
        }
        using var db = Read();
        var domain = FindDomain(db, parsed.Domain);
        if (domain is null)
        {
            return null;
        }
        string canonical = new Address(parsed.LocalPart, domain.AliasOf ?? domain.Name).ToString();
        return db.QueryOne($"SELECT {UserColumns} FROM users WHERE address = $a", ReadUser, ("$a", canonical));
    }

    /// <summary>All users, or those of one domain, by address.</summary>
    public IReadOnlyList<UserAccount> Users(string? domain = null) =>
        usage.Read(() => StoredUsers(domain), (users, unwritten) => users.Select(u => WithUnwritten(u, unwritten)!).ToList());

    private IReadOnlyList<UserAccount> StoredUsers(string? domain)
    {
        using var db = Read();
        return domain is null
            ? db.Query($"SELECT {UserColumns} FROM users ORDER BY address", ReadUser)
            : db.Query($"SELECT {UserColumns} FROM users WHERE domain = $d ORDER BY address", ReadUser, ("$d", DomainName(domain)));
    }

    /// <summary>
    /// Checks a login. Returns the user when the password matches, else null. Takes the same
    /// time for an unknown user as for a wrong password (a hash is computed either way).
    /// </summary>
    public UserAccount? VerifyPassword(string address, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var user = FindUser(address);
        bool match = PasswordHash.Verify(password, user?.PasswordHash ?? decoyHash.Value);
        if (!match || user is null)
            return null;
        // An imported (or older, cheaper) hash becomes Argon2id at the first good login, the only
        // moment we have the password.
        if (PasswordHash.NeedsUpgrade(user.PasswordHash, Options.Argon2))
            SetPasswordHash(user.Address, PasswordHash.HashArgon2id(password, Options.Argon2));
        return user;
    }

    // ---- Quota --------------------------------------------------------------------------------

    /// <summary>
    /// Whether <paramref name="messageBytes"/> more fit in the mailbox. Counts the mailbox first
    /// when its usage is unknown. A mailbox whose user no longer exists has no quota.
    /// </summary>
    public QuotaStatus CheckQuota(Mailbox mailbox, long messageBytes)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentOutOfRangeException.ThrowIfNegative(messageBytes);
        var user = FindUser(mailbox.Address);
        if (user is null || user.QuotaBytes == 0)
        {
            return QuotaStatus.Ok;
        }
        long usage = user.UsageBytes ?? RecountUsage(user.Address);
        if (messageBytes > user.QuotaBytes)
        {
            return QuotaStatus.TooBig;
        }
        return usage + messageBytes > user.QuotaBytes ? QuotaStatus.Full : QuotaStatus.Ok;
    }

    /// <summary>
    /// Counts a user's mail from the S= sizes in its Maildir file names and stores the result.
    /// For mail moved in from outside, or drift; <see cref="MailStore.Maintenance"/> does it for everyone.
    /// </summary>
    public long RecountUsage(string address)
    {
        var user = FindUser(address) ?? throw new AccountException($"no user {address}");
        return usage.Replace(user.Address, () =>
        {
            long counted = MaildirLayout.CountUsage(user.Mailbox.Directory);
            using var db = Write();
            db.Execute("UPDATE users SET usage_bytes = $u WHERE address = $a", ("$u", counted), ("$a", user.Address));
            db.Commit();
            return counted;
        });
    }

    /// <summary>
    /// Adds a delivery's bytes to a canonical address's usage without waiting for the database:
    /// this process counts them at once, the database gets them with the next batch.
    /// </summary>
    internal void AddUsageSoon(string canonicalAddress, long deltaBytes) => usage.Add(canonicalAddress, deltaBytes);

    /// <summary>
    /// Adds <paramref name="deltaBytes"/> (negative when mail is expunged) to a user's counted usage;
    /// nothing when usage is not counted yet.
    /// </summary>
    public void AddUsage(string address, long deltaBytes)
    {
        var user = LocalAddress(address);
        using var db = Write();
        AddUsage(db, user.ToString(), deltaBytes);
        db.Commit();
    }

    internal static void AddUsage(Database db, string canonicalAddress, long deltaBytes) =>
        db.Execute("UPDATE users SET usage_bytes = max(0, usage_bytes + $n) WHERE address = $a AND usage_bytes IS NOT NULL",
            ("$n", deltaBytes), ("$a", canonicalAddress));

    // ---- Helpers ------------------------------------------------------------------------------

    /// <summary>The mailbox of a canonical user address.</summary>
    internal Mailbox MailboxOf(string canonicalAddress)
    {
        int at = canonicalAddress.LastIndexOf('@');
        return new Mailbox(canonicalAddress,
            MaildirLayout.MailboxDirectory(DataDirectory, canonicalAddress[..at], canonicalAddress[(at + 1)..]));
    }

    // Usage as stored plus what this process delivered and has not written yet (see UsageBatch).
    private static UserAccount? WithUnwritten(UserAccount? user, Func<string, long> unwritten) =>
        user?.UsageBytes is long stored ? user with { UsageBytes = Math.Max(0, stored + unwritten(user.Address)) } : user;

    private UserAccount ReadUser(SqliteDataReader r)
    {
        string address = r.GetString(0);
        long? own = r.IsDBNull(2) ? null : r.GetInt64(2);
        return new UserAccount(
            address,
            r.GetString(1),
            own ?? Options.DefaultQuotaBytes,
            own,
            r.IsDBNull(3) ? null : r.GetInt64(3),
            MailboxOf(address));
    }

    private void UpdateUser(string address, string sql, object? value)
    {
        var user = LocalAddress(address);
        using var db = Write();
        if (db.Execute(sql, ("$v", value), ("$a", user.ToString())) == 0)
        {
            throw new AccountException($"no user {user}");
        }
        db.Commit();
    }

    /// <summary>Parses an address of ours for the admin API: folded local part, lowercased domain.</summary>
    private static Address LocalAddress(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!Address.TryParseLocal(address, out var parsed) || parsed.Domain[0] == '[')
        {
            throw new AccountException($"not a valid address: {address}");
        }
        return parsed;
    }

    private static string NormalizeHash(string passwordHash) =>
        PasswordHash.TryNormalize(passwordHash, out string? hash)
            ? hash
            : throw new AccountException("not a usable password hash: Argon2id ($argon2id$), bcrypt ($2y$) or SHA-512 crypt ($6$), optionally with Dovecot's {SCHEME} prefix");

    private static void CheckQuotaValue(long? quotaBytes)
    {
        if (quotaBytes < 0)
        {
            throw new AccountException("a quota cannot be negative");
        }
    }
}
