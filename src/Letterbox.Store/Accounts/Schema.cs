namespace Letterbox.Store;

/// <summary>
/// The state database's schema as an ordered list of migrations; <c>schema_version</c> records
/// which have run. Append new migrations at the end, never edit one that has shipped.
/// </summary>
internal static class Schema
{
    private static readonly string[] Migrations =
    [
        // 1: domains (real or alias), users, aliases.
        """
        CREATE TABLE domains (
            name       TEXT PRIMARY KEY,
            alias_of   TEXT REFERENCES domains (name) ON DELETE CASCADE, -- NULL for a real domain
            catch_all  TEXT,                                             -- target address, or NULL
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE users (
            address       TEXT PRIMARY KEY,                              -- canonical localpart@domain
            domain        TEXT NOT NULL REFERENCES domains (name),
            password_hash TEXT NOT NULL,                                 -- $6$...
            quota_bytes   INTEGER,                                       -- NULL: the store's default
            usage_bytes   INTEGER,                                       -- NULL: not counted yet
            created_at    INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX users_domain ON users (domain);
        CREATE TABLE aliases (
            address  TEXT NOT NULL,                                      -- canonical localpart@domain
            domain   TEXT NOT NULL REFERENCES domains (name),
            target   TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (address, target)
        ) STRICT;
        CREATE INDEX aliases_domain ON aliases (domain);
        """,
        // 2: failed logins, per client network and per account, shared by every daemon (submission,
        // IMAP, POP3), so guessing cannot be spread over protocols.
        """
        CREATE TABLE auth_failures (
            key           TEXT PRIMARY KEY,                              -- "ip:<address or /64>" or "account:<address>"
            failures      INTEGER NOT NULL,
            last_failure  INTEGER NOT NULL,                              -- unix seconds
            blocked_until INTEGER NOT NULL DEFAULT 0                     -- unix seconds
        ) STRICT;
        """,
    ];

    /// <summary>The schema version this code writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    public static void Migrate(string connectionString)
    {
        Database.EnableWal(connectionString);
        using var db = Database.Write(connectionString);
        db.Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
        long version = (long)db.Scalar("SELECT coalesce(max(version), 0) FROM schema_version")!;
        if (version > Migrations.Length)
        {
            throw new InvalidOperationException(
                $"the state database has schema version {version}, newer than this Letterbox ({Migrations.Length})");
        }
        for (int i = (int)version; i < Migrations.Length; i++)
        {
            db.Execute(Migrations[i]);
            db.Execute("INSERT INTO schema_version (version, applied_at) VALUES ($v, unixepoch())", ("$v", i + 1));
        }
        db.Commit();
    }
}
