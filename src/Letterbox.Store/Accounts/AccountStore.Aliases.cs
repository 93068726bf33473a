namespace Letterbox.Store;

public sealed partial class AccountStore
{
    /// <summary>
    /// Makes <paramref name="address"/> an alias of <paramref name="targets"/>, or adds targets to an
    /// existing alias. Targets may be local addresses (users, other aliases: resolved recursively)
    /// or other hosts' addresses (forwarded). The address must not be a user.
    /// </summary>
    public void AddAlias(string address, IEnumerable<string> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var alias = LocalAddress(address);
        string canonical = alias.ToString();
        using var db = Write();
        RealDomain(db, alias.Domain);
        if (db.Scalar("SELECT 1 FROM users WHERE address = $a", ("$a", canonical)) is not null)
        {
            throw new AccountException($"{canonical} is a user");
        }
        long position = (long)db.Scalar("SELECT count(*) FROM aliases WHERE address = $a", ("$a", canonical))!;
        int added = 0;
        foreach (string target in targets)
        {
            string normalized = Target(db, target);
            if (normalized == canonical)
            {
                throw new AccountException($"{canonical} cannot be its own target");
            }
            added += db.Execute("""
                INSERT OR IGNORE INTO aliases (address, domain, target, position) VALUES ($a, $d, $t, $p)
                """, ("$a", canonical), ("$d", alias.Domain), ("$t", normalized), ("$p", position + added));
        }
        if (added == 0 && position == 0)
        {
            throw new AccountException($"alias {canonical} needs at least one target");
        }
        db.Commit();
    }

    /// <summary>Removes an alias, or one of its targets.</summary>
    /// <returns>False when there was nothing to remove.</returns>
    public bool RemoveAlias(string address, string? target = null)
    {
        string canonical = LocalAddress(address).ToString();
        using var db = Write();
        int removed = target is null
            ? db.Execute("DELETE FROM aliases WHERE address = $a", ("$a", canonical))
            : db.Execute("DELETE FROM aliases WHERE address = $a AND target = $t", ("$a", canonical), ("$t", Target(db, target)));
        db.Commit();
        return removed > 0;
    }

    /// <summary>All aliases, or those of one domain, by address; targets in the order added.</summary>
    public IReadOnlyList<AliasInfo> Aliases(string? domain = null)
    {
        using var db = Read();
        var rows = domain is null
            ? db.Query("SELECT address, target FROM aliases ORDER BY address, position", ReadPair)
            : db.Query("SELECT address, target FROM aliases WHERE domain = $d ORDER BY address, position", ReadPair,
                ("$d", DomainName(domain)));
        return rows.GroupBy(r => r.Address).Select(g => new AliasInfo(g.Key, g.Select(r => r.Target).ToList())).ToList();
    }

    /// <summary>
    /// Sends mail for every unknown local part of <paramref name="domain"/> to <paramref name="target"/>
    /// (null removes the catch-all). Users, aliases and plus-addresses are tried first.
    /// </summary>
    public void SetCatchAll(string domain, string? target)
    {
        string name = DomainName(domain);
        using var db = Write();
        RealDomain(db, name);
        db.Execute("UPDATE domains SET catch_all = $t WHERE name = $d",
            ("$t", target is null ? null : Target(db, target)), ("$d", name));
        db.Commit();
    }

    private static (string Address, string Target) ReadPair(Microsoft.Data.Sqlite.SqliteDataReader r) =>
        (r.GetString(0), r.GetString(1));

    /// <summary>
    /// An alias or catch-all target as stored: a local address in canonical form (domain aliases
    /// kept as written: they resolve at delivery), a remote one with its local part untouched.
    /// </summary>
    private static string Target(Database db, string target)
    {
        if (!Address.TryParse(target, out var parsed))
        {
            throw new AccountException($"not a valid target address: {target}");
        }
        if (FindDomain(db, parsed.Domain) is null)
        {
            return parsed.ToString();
        }
        if (!Address.TryFoldLocalPart(parsed.LocalPart, out string? local))
        {
            throw new AccountException($"not a valid target address: {target}");
        }
        return new Address(local, parsed.Domain).ToString();
    }
}
