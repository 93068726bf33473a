using System.Security.Cryptography.X509Certificates;

namespace Letterbox.Acme.Tests.Support;

public static class Chains
{
    /// <summary>Builds the leaf's chain with the PEM's intermediates, trusting only <paramref name="rootPem"/>; returns the problems, empty when it verifies.</summary>
    public static IReadOnlyList<string> Verify(string chainPem, string rootPem, string name)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPem(chainPem);
        using var root = X509Certificate2.CreateFromPem(rootPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var c in all.Skip(1))
            chain.ChainPolicy.ExtraStore.Add(c);
        var problems = new List<string>();
        if (!chain.Build(all[0]))
            problems.AddRange(chain.ChainStatus.Select(s => s.StatusInformation));
        if (!all[0].MatchesHostname(name))
            problems.Add($"leaf does not name {name}");
        return problems;
    }
}
