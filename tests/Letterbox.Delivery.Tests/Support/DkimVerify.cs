using System.Text.Json;

namespace Letterbox.Delivery.Tests.Support;

/// <summary>
/// The independent verifier: dkimpy (Debian's python3-dkim, the library behind dkimverify), with its
/// DNS lookups answered from the records we would publish through its dnsfunc hook.
/// </summary>
public static class DkimVerify
{
    private const string Script = """
        import json, sys, dkim
        records = dict(l.rstrip('\n').split('\t', 1) for l in open(sys.argv[2]) if l.strip())
        def dnsfunc(name, timeout=5):
            n = name.decode() if isinstance(name, bytes) else name
            return records.get(n.rstrip('.').lower(), '').encode()
        msg = open(sys.argv[1], 'rb').read()
        d = dkim.DKIM(msg)
        count = len([l for l in msg.split(b'\r\n\r\n', 1)[0].split(b'\r\n') if l.lower().startswith(b'dkim-signature:')])
        for i in range(count):
            try:
                ok = d.verify(idx=i, dnsfunc=dnsfunc)
            except dkim.DKIMException as e:
                ok = False  # a malformed or failing signature is a failed verification
            print(json.dumps({'idx': i, 'ok': bool(ok), 'a': d.signature_fields.get(b'a', b'').decode(), 's': d.signature_fields.get(b's', b'').decode(), 'h': d.signature_fields.get(b'h', b'').decode()}))
        """;

    public sealed record Result(int Idx, bool Ok, string A, string S, string H);

    /// <summary>Verifies every DKIM-Signature of the message; records maps "sel._domainkey.domain" to its TXT text.</summary>
    public static IReadOnlyList<Result> Verify(byte[] message, IReadOnlyDictionary<string, string> records)
    {
        Tool.RequirePython("dkim", "python3-dkim");
        Tool.RequirePython("nacl", "python3-nacl");
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("msg.eml"), message);
        File.WriteAllLines(dir.File("records.json"), records.Select(r => r.Key.ToLowerInvariant() + "\t" + r.Value));
        File.WriteAllText(dir.File("verify.py"), Script);
        var (code, output, error) = Tool.Run(Tool.Python, [dir.File("verify.py"), dir.File("msg.eml"), dir.File("records.json")], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"dkimpy failed: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(j => new Result(j.GetProperty("idx").GetInt32(), j.GetProperty("ok").GetBoolean(), j.GetProperty("a").GetString()!, j.GetProperty("s").GetString()!, j.GetProperty("h").GetString()!))
            .ToList();
    }
}
