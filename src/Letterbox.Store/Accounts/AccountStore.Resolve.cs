namespace Letterbox.Store;

public sealed partial class AccountStore
{
    /// <summary>How many aliases deep a resolution may go (a→b→c is 2).</summary>
    public const int MaxAliasDepth = 20;

    /// <summary>How many addresses one resolution may visit in all (an alias fanning out to many).</summary>
    public const int MaxExpansions = 1000;

    /// <summary>
    /// Resolves a recipient address (the RCPT TO path, without angle brackets) to the local mailboxes
    /// and external addresses it delivers to, reading one consistent snapshot of the database.
    /// </summary>
    /// <remarks>
    /// For <c>local@domain</c> with a domain of ours (a domain alias first becomes its real domain,
    /// keeping the local part), the first rule that matches wins:
    /// <list type="number">
    /// <item>a user <c>local@domain</c>;</item>
    /// <item>an alias <c>local@domain</c>, each target resolved by these same rules (nested aliases),
    /// external targets collected as forwards;</item>
    /// <item>plus-addressing: when <c>local</c> is <c>base+tag</c> (base not empty), a user or alias <c>base@domain</c>;</item>
    /// <item>the domain's catch-all target;</item>
    /// <item>otherwise: unknown user.</item>
    /// </list>
    /// An address met again on its own path is an alias loop: that branch is dropped with a note.
    /// More than <see cref="MaxAliasDepth"/> levels or <see cref="MaxExpansions"/> addresses: the rest is
    /// dropped with a note. A target that resolves to nothing (a dangling alias target) is noted and skipped;
    /// if nothing deliverable is left, the result is <see cref="ResolutionKind.UnknownUser"/>.
    /// </remarks>
    public RecipientResolution Resolve(string address)
    {
        if (!Address.TryParse(address, out var parsed))
        {
            return RecipientResolution.Rejected(ResolutionKind.Invalid);
        }
        using var db = Read();
        var expansion = new Expansion(this, db);
        var domain = expansion.Domain(parsed.Domain);
        if (domain is null)
        {
            return RecipientResolution.Rejected(ResolutionKind.NotOurDomain);
        }
        if (!Address.TryFoldLocalPart(parsed.LocalPart, out string? local))
        {
            return RecipientResolution.Rejected(ResolutionKind.Invalid);
        }
        expansion.Local(new Address(local, domain.AliasOf ?? domain.Name), depth: 0);
        return expansion.Result();
    }

    /// <summary>
    /// Whether <paramref name="user"/> may use <paramref name="address"/> as a sender: the address must
    /// deliver to that user's mailbox (the user's own address, a plus-tagged form, an alias or a
    /// domain alias that includes the user, a catch-all that names the user). Mail for an address
    /// comes to the person who may send from it.
    /// </summary>
    public bool MaySendAs(string user, string address)
    {
        var resolution = Resolve(address);
        return resolution.Kind is ResolutionKind.Local or ResolutionKind.Forward
            && resolution.Mailboxes.Any(m => string.Equals(m.Address, user, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>One resolution's walk through users, aliases and catch-alls.</summary>
    private sealed class Expansion(AccountStore store, Database db)
    {
        private readonly List<Mailbox> mailboxes = [];
        private readonly List<string> forwards = [];
        private readonly List<string> notes = [];
        private readonly HashSet<string> visited = [];
        private readonly HashSet<string> path = [];
        private readonly Dictionary<string, DomainInfo?> domains = [];
        private int expansions;

        public DomainInfo? Domain(string name)
        {
            if (!domains.TryGetValue(name, out var domain))
            {
                domain = FindDomain(db, name);
                domains[name] = domain;
            }
            return domain;
        }

        public RecipientResolution Result()
        {
            var kind = forwards.Count > 0 ? ResolutionKind.Forward
                : mailboxes.Count > 0 ? ResolutionKind.Local
                : ResolutionKind.UnknownUser;
            return new RecipientResolution(kind, mailboxes, forwards, notes);
        }

        /// <summary>Expands an address of ours (folded, real domain). False when nothing takes it.</summary>
        public bool Local(Address address, int depth)
        {
            string key = address.ToString();
            if (path.Contains(key))
            {
                notes.Add($"alias loop at {key}");
                return true;
            }
            if (!visited.Add(key))
            {
                return true; // reached before by another branch: its mailboxes are listed already
            }
            if (depth > MaxAliasDepth)
            {
                notes.Add($"aliases nested deeper than {MaxAliasDepth} at {key}");
                return true;
            }
            if (++expansions > MaxExpansions)
            {
                notes.Add($"more than {MaxExpansions} addresses, stopped at {key}");
                return true;
            }
            path.Add(key);
            try
            {
                if (UserOrAlias(key, depth))
                {
                    return true;
                }
                int plus = address.LocalPart.IndexOf('+');
                if (plus > 0 && UserOrAlias(new Address(address.LocalPart[..plus], address.Domain).ToString(), depth))
                {
                    return true;
                }
                string? catchAll = Domain(address.Domain)?.CatchAll;
                if (catchAll is not null)
                {
                    Target(catchAll, depth + 1);
                    return true;
                }
                return false;
            }
            finally
            {
                path.Remove(key);
            }
        }

        private bool UserOrAlias(string key, int depth)
        {
            if (db.Scalar("SELECT 1 FROM users WHERE address = $a", ("$a", key)) is not null)
            {
                var mailbox = store.MailboxOf(key);
                if (!mailboxes.Contains(mailbox))
                {
                    mailboxes.Add(mailbox);
                }
                return true;
            }
            var targets = db.Query("SELECT target FROM aliases WHERE address = $a ORDER BY position",
                r => r.GetString(0), ("$a", key));
            foreach (string target in targets)
            {
                Target(target, depth + 1);
            }
            return targets.Count > 0;
        }

        private void Target(string target, int depth)
        {
            if (!Address.TryParse(target, out var parsed))
            {
                notes.Add($"invalid target {target}");
                return;
            }
            var domain = Domain(parsed.Domain);
            if (domain is null)
            {
                if (!forwards.Contains(parsed.ToString()))
                {
                    forwards.Add(parsed.ToString());
                }
                return;
            }
            if (!Address.TryFoldLocalPart(parsed.LocalPart, out string? local))
            {
                notes.Add($"invalid target {target}");
                return;
            }
            if (!Local(new Address(local, domain.AliasOf ?? domain.Name), depth))
            {
                notes.Add($"target {target} does not exist");
            }
        }
    }
}
