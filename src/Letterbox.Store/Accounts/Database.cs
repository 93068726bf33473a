using Microsoft.Data.Sqlite;

namespace Letterbox.Store;

/// <summary>
/// One short unit of work on the state database: a pooled connection and, for writes, a
/// <c>BEGIN IMMEDIATE</c> transaction (taking the write lock up front, so two processes never
/// deadlock upgrading read locks; the other one waits up to the busy timeout instead).
/// </summary>
internal sealed class Database : IDisposable
{
    /// <summary>How long a connection waits for another process's write lock before failing.</summary>
    public const int BusyTimeoutMilliseconds = 15_000;

    static Database()
    {
        // The system libsqlite3 (Debian's); the AOT build links the same library statically.
        SQLitePCL.raw.SetProvider(new SQLitePCL.SQLite3Provider_sqlite3());
    }

    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;

    private Database(string connectionString, bool write, bool durable = true)
    {
        connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // Per connection: wait for locks held by other processes, enforce references, and
            // fsync the WAL at every commit (a committed change survives a power cut, not only a crash).
            // Counters that can be recounted from the files (quota usage, login failures) use NORMAL:
            // still atomic and consistent, but the last commits may be lost on a power cut, and the
            // hot paths (a delivery, a login) do not pay a WAL fsync each.
            Execute($"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = {(durable ? "FULL" : "NORMAL")};");
            // Reads get a snapshot too, so one Resolve sees one consistent state.
            transaction = connection.BeginTransaction(deferred: !write);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = BusyTimeoutMilliseconds / 1000,
    }.ToString();

    public static Database Read(string connectionString) => new(connectionString, write: false);

    public static Database Write(string connectionString) => new(connectionString, write: true);

    /// <summary>A write whose loss on power failure is harmless (see the constructor).</summary>
    public static Database WriteCounters(string connectionString) => new(connectionString, write: true, durable: false);

    /// <summary>Sets the journal to WAL (persistent in the file), outside any transaction.</summary>
    public static void EnableWal(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA journal_mode = WAL";
        string? mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite refused WAL mode (journal_mode = {mode})");
        }
    }

    public void Commit()
    {
        transaction.Commit();
    }

    public int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var command = Command(sql, args);
        return command.ExecuteNonQuery();
    }

    public object? Scalar(string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var command = Command(sql, args);
        object? value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> row, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var command = Command(sql, args);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(row(reader));
        }
        return rows;
    }

    public T? QueryOne<T>(string sql, Func<SqliteDataReader, T> row, params ReadOnlySpan<(string Name, object? Value)> args)
        where T : class
    {
        var rows = Query(sql, row, args);
        return rows.Count == 0 ? null : rows[0];
    }

    private SqliteCommand Command(string sql, ReadOnlySpan<(string Name, object? Value)> args)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    public void Dispose()
    {
        // Disposing an uncommitted transaction rolls it back.
        transaction.Dispose();
        connection.Dispose();
    }
}
