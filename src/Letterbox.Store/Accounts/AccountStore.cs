namespace Letterbox.Store;

/// <summary>
/// Domains, virtual users and aliases: the one state database, <c>&lt;data&gt;/letterbox.db</c>,
/// shared by every daemon process (SQLite in WAL mode, a busy timeout, one short transaction per
/// call, so concurrent readers never block and writers queue instead of failing). Thread-safe:
/// each call takes its own pooled connection.
/// </summary>
/// <remarks>
/// Address rules are on <see cref="Resolve"/> and in README.md. Every method that takes an
/// address or domain throws <see cref="AccountException"/> for a malformed or foreign one.
/// </remarks>
public sealed partial class AccountStore
{
    /// <summary>The database's file name inside the data directory.</summary>
    public const string DatabaseFileName = "letterbox.db";

    private readonly string connectionString;

    // Usage added by this process's deliveries, written in batches (see UsageBatch for why).
    private readonly UsageBatch usage;

    // A valid hash nobody's password matches, so an unknown user costs as much time as a wrong password.
    private readonly Lazy<string> decoyHash;

    private AccountStore(string dataDirectory, AccountStoreOptions options)
    {
        DataDirectory = dataDirectory;
        Options = options;
        connectionString = Database.ConnectionString(Path.Combine(dataDirectory, DatabaseFileName));
        usage = new UsageBatch(WriteCounters);
        decoyHash = new(() => PasswordHash.HashArgon2id(Guid.NewGuid().ToString(), options.Argon2));
    }

    /// <summary>The data directory (absolute).</summary>
    public string DataDirectory { get; }

    /// <summary>The settings given to <see cref="Open"/>.</summary>
    public AccountStoreOptions Options { get; }

    /// <summary>
    /// Opens (creating if needed) the store under <paramref name="dataDirectory"/>: the database,
    /// brought to the current schema, and the <c>mail/</c> and <c>spool/tmp/</c> directories.
    /// Safe to call from several processes at once.
    /// </summary>
    public static AccountStore Open(string dataDirectory, AccountStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        options ??= new AccountStoreOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.DefaultQuotaBytes);
        string root = Path.GetFullPath(dataDirectory);
        DurableDirectory.Ensure(root);
        DurableDirectory.Ensure(MaildirLayout.MailRoot(root));
        DurableDirectory.Ensure(SpoolDirectory(root));
        // Created empty (SQLite takes that as a new database) so it is private from the start:
        // it holds password hashes. SQLite gives its -wal and -shm files the same mode.
        string path = Path.Combine(root, DatabaseFileName);
        if (!File.Exists(path))
        {
            using (new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
            }
        }
        var store = new AccountStore(root, options);
        Schema.Migrate(store.connectionString);
        return store;
    }

    internal static string SpoolDirectory(string dataDirectory) => Path.Combine(dataDirectory, "spool", "tmp");

    internal Database Read() => Database.Read(connectionString);

    internal Database Write() => Database.Write(connectionString);

    internal Database WriteCounters() => Database.WriteCounters(connectionString);

    // ---- Domains ------------------------------------------------------------------------------

    /// <summary>Adds a domain we receive mail for.</summary>
    public void AddDomain(string domain)
    {
        string name = DomainName(domain);
        using var db = Write();
        if (FindDomain(db, name) is not null)
        {
            throw new AccountException($"domain {name} exists already");
        }
        db.Execute("INSERT INTO domains (name, created_at) VALUES ($name, unixepoch())", ("$name", name));
        db.Commit();
    }

    /// <summary>
    /// Removes a domain, its aliases, its catch-all and the domain aliases pointing at it.
    /// Refused while it has users (remove them first: their mail stays on disk until then).
    /// </summary>
    /// <returns>False when there was no such domain.</returns>
    public bool RemoveDomain(string domain)
    {
        string name = DomainName(domain);
        using var db = Write();
        if (FindDomain(db, name) is null)
        {
            return false;
        }
        long users = (long)db.Scalar("SELECT count(*) FROM users WHERE domain = $d", ("$d", name))!;
        if (users > 0)
        {
            throw new AccountException($"domain {name} still has {users} user(s)");
        }
        db.Execute("DELETE FROM aliases WHERE domain = $d", ("$d", name));
        db.Execute("DELETE FROM domains WHERE alias_of = $d", ("$d", name));
        db.Execute("DELETE FROM domains WHERE name = $d", ("$d", name));
        db.Commit();
        return true;
    }

    /// <summary>
    /// Makes <paramref name="alias"/> a domain alias of <paramref name="target"/>: every address
    /// <c>x@alias</c> resolves as <c>x@target</c>. The target must be a real (not alias) domain of ours;
    /// the alias must not exist yet.
    /// </summary>
    public void AddDomainAlias(string alias, string target)
    {
        string aliasName = DomainName(alias);
        string targetName = DomainName(target);
        using var db = Write();
        if (FindDomain(db, aliasName) is not null)
        {
            throw new AccountException($"domain {aliasName} exists already");
        }
        var targetDomain = FindDomain(db, targetName) ?? throw new AccountException($"no domain {targetName}");
        if (targetDomain.AliasOf is not null)
        {
            throw new AccountException($"{targetName} is itself an alias of {targetDomain.AliasOf}");
        }
        db.Execute("INSERT INTO domains (name, alias_of, created_at) VALUES ($name, $target, unixepoch())",
            ("$name", aliasName), ("$target", targetName));
        db.Commit();
    }

    /// <summary>All domains, real and alias, by name.</summary>
    public IReadOnlyList<DomainInfo> Domains()
    {
        using var db = Read();
        return db.Query("SELECT name, alias_of, catch_all FROM domains ORDER BY name", ReadDomain);
    }

    /// <summary>True when we receive mail for <paramref name="domain"/> (a real domain or a domain alias).</summary>
    public bool IsLocalDomain(string domain)
    {
        if (!Address.TryNormalizeDomain(domain, out string? name))
        {
            return false;
        }
        using var db = Read();
        return FindDomain(db, name) is not null;
    }

    private static DomainInfo? FindDomain(Database db, string name) =>
        db.QueryOne("SELECT name, alias_of, catch_all FROM domains WHERE name = $name", ReadDomain, ("$name", name));

    private static DomainInfo ReadDomain(Microsoft.Data.Sqlite.SqliteDataReader r) =>
        new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2));

    private static string DomainName(string domain)
    {
        if (!Address.TryNormalizeDomain(domain, out string? name) || name[0] == '[')
        {
            throw new AccountException($"not a domain name: {domain}");
        }
        return name;
    }

    /// <summary>The domain of a new user or alias: ours, and not a domain alias.</summary>
    private static DomainInfo RealDomain(Database db, string name)
    {
        var domain = FindDomain(db, name) ?? throw new AccountException($"{name} is not one of our domains");
        if (domain.AliasOf is not null)
        {
            throw new AccountException($"{name} is an alias of {domain.AliasOf}: add addresses there");
        }
        return domain;
    }
}
