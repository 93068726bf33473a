using System.CommandLine;
using System.Text;
using Letterbox.Net.Unix;
using Letterbox.Store;

namespace Letterbox.Cli;

/// <summary>
/// `letterbox domain|user|alias ...`: the accounts database under the data directory, which the
/// daemons read while running (SQLite, safe across processes). As root, the commands act as the
/// owner of the data directory, so files they create stay usable by the daemons.
/// Passwords never come from argv (visible in ps and shell history): a prompt or --password-stdin.
/// </summary>
public static class AccountCommands
{
    public static void Add(RootCommand root, Option<string?> data)
    {
        var domain = new Command("domain", "Manage the mail domains (users and aliases live in them).");
        var name = new Argument<string>("DOMAIN") { Description = "A domain name, e.g. example.com." };
        var domainAdd = new Command("add", "Add a mail domain.") { Arguments = { name } };
        domainAdd.SetAction(pr => WithStore(pr.GetValue(data), s => { s.AddDomain(pr.GetValue(name)!); Console.WriteLine($"added domain {pr.GetValue(name)}"); }));
        var domainRemove = new Command("remove", "Remove a mail domain (it must have no users).") { Arguments = { name } };
        domainRemove.SetAction(pr => WithStore(pr.GetValue(data), s => Report(s.RemoveDomain(pr.GetValue(name)!), $"removed domain {pr.GetValue(name)}", $"no domain {pr.GetValue(name)}")));
        var domainList = new Command("list", "List the mail domains.");
        domainList.SetAction(pr => WithStore(pr.GetValue(data), s =>
        {
            foreach (var d in s.Domains())
                Console.WriteLine(d.AliasOf is null ? d.Name : $"{d.Name} -> {d.AliasOf}");
        }));
        domain.Subcommands.Add(domainAdd);
        domain.Subcommands.Add(domainRemove);
        domain.Subcommands.Add(domainList);
        root.Subcommands.Add(domain);

        var user = new Command("user", "Manage users (virtual mailboxes, never Unix accounts).");
        var address = new Argument<string>("ADDRESS") { Description = "The user's address, e.g. alice@example.com." };
        var stdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input instead of prompting." };
        var quota = new Option<string?>("--quota") { Description = "Quota such as 2G (default: store.default_quota)." };
        var userAdd = new Command("add", "Add a user and create the mailbox; the domain must exist.") { Arguments = { address }, Options = { stdin, quota } };
        userAdd.SetAction(pr => WithStore(pr.GetValue(data), s =>
        {
            var password = ReadPassword(pr.GetValue(stdin), confirm: true);
            var account = s.AddUser(pr.GetValue(address)!, password, ParseQuota(pr.GetValue(quota)));
            EnsureRoleAddresses(s, account.Domain, account.Address);
            Console.WriteLine($"added user {account.Address}, mailbox {account.Mailbox.Directory}");
        }));
        var userRemove = new Command("remove", "Remove a user (the mailbox files stay on disk).") { Arguments = { address } };
        userRemove.SetAction(pr => WithStore(pr.GetValue(data), s => Report(s.RemoveUser(pr.GetValue(address)!), $"removed user {pr.GetValue(address)}", $"no user {pr.GetValue(address)}")));
        var passwd = new Command("passwd", "Set a user's password.") { Arguments = { address }, Options = { stdin } };
        passwd.SetAction(pr => WithStore(pr.GetValue(data), s =>
        {
            if (s.FindUser(pr.GetValue(address)!) is null)
                throw new CliException(ExitCodes.UsageOrConfig, $"no user {pr.GetValue(address)}");
            s.SetPassword(pr.GetValue(address)!, ReadPassword(pr.GetValue(stdin), confirm: true));
            Console.WriteLine($"password changed for {pr.GetValue(address)}");
        }));
        var userList = new Command("list", "List users with their quota and usage.");
        userList.SetAction(pr => WithStore(pr.GetValue(data), s =>
        {
            foreach (var u in s.Users())
                Console.WriteLine($"{u.Address}\tquota={(u.QuotaBytes == 0 ? "unlimited" : u.QuotaBytes.ToString())}\tused={u.UsageBytes ?? 0}");
        }));
        user.Subcommands.Add(userAdd);
        user.Subcommands.Add(userRemove);
        user.Subcommands.Add(passwd);
        user.Subcommands.Add(userList);
        root.Subcommands.Add(user);

        var alias = new Command("alias", "Manage aliases: one address delivered to one or more others.");
        var targets = new Argument<string[]>("TARGET") { Arity = ArgumentArity.OneOrMore, Description = "Addresses the alias delivers to." };
        var aliasAdd = new Command("add", "Add an alias (or more targets to an existing one).") { Arguments = { address, targets } };
        aliasAdd.SetAction(pr => WithStore(pr.GetValue(data), s => { s.AddAlias(pr.GetValue(address)!, pr.GetValue(targets)!); Console.WriteLine($"alias {pr.GetValue(address)} -> {string.Join(", ", pr.GetValue(targets)!)}"); }));
        var aliasRemove = new Command("remove", "Remove an alias.") { Arguments = { address } };
        aliasRemove.SetAction(pr => WithStore(pr.GetValue(data), s => Report(s.RemoveAlias(pr.GetValue(address)!), $"removed alias {pr.GetValue(address)}", $"no alias {pr.GetValue(address)}")));
        var aliasList = new Command("list", "List aliases.");
        aliasList.SetAction(pr => WithStore(pr.GetValue(data), s =>
        {
            foreach (var a in s.Aliases())
                Console.WriteLine($"{a.Address} -> {string.Join(", ", a.Targets)}");
        }));
        alias.Subcommands.Add(aliasAdd);
        alias.Subcommands.Add(aliasRemove);
        alias.Subcommands.Add(aliasList);
        root.Subcommands.Add(alias);
    }

    /// <summary>
    /// RFC 2142: postmaster@ (and abuse@) must reach someone for every domain; until an admin says
    /// otherwise, they go to the domain's first user.
    /// </summary>
    public static void EnsureRoleAddresses(AccountStore store, string domain, string firstUser)
    {
        foreach (var role in new[] { "postmaster", "abuse" })
        {
            var address = $"{role}@{domain}";
            if (store.Resolve(address).Kind != ResolutionKind.Local)
                store.AddAlias(address, [firstUser]);
        }
    }

    private static int WithStore(string? dataOption, Action<AccountStore> action)
    {
        var data = Commands.ResolveDataDirectory(dataOption, Commands.DefaultDataDirectory);
        if (!Directory.Exists(data))
            throw new CliException(ExitCodes.RuntimeFailure, $"data directory {data} does not exist (start letterbox once, or pass --data)");
        if (UnixUser.IsRoot)
            UnixUser.BecomeOwnerOf(data);
        try
        {
            var store = AccountStore.Open(data);
            action(store);
            return ExitCodes.Ok;
        }
        catch (AccountException e)
        {
            throw new CliException(ExitCodes.UsageOrConfig, e.Message);
        }
    }

    private static int Report(bool done, string ok, string missing)
    {
        if (!done)
            throw new CliException(ExitCodes.UsageOrConfig, missing);
        Console.WriteLine(ok);
        return ExitCodes.Ok;
    }

    private static long? ParseQuota(string? text)
    {
        if (text is null)
            return null;
        return Config.SizeSyntax.TryParse(text, out long bytes) && bytes >= 0
            ? bytes
            : throw new CliException(ExitCodes.UsageOrConfig, $"--quota {text}: expected a size such as 500M or 2G");
    }

    private static string ReadPassword(bool fromStdin, bool confirm)
    {
        string? password;
        if (fromStdin || Console.IsInputRedirected)
        {
            password = Console.In.ReadLine();
        }
        else
        {
            password = Prompt("Password: ");
            if (confirm && Prompt("Again: ") != password)
                throw new CliException(ExitCodes.UsageOrConfig, "the passwords differ");
        }
        if (string.IsNullOrEmpty(password))
            throw new CliException(ExitCodes.UsageOrConfig, "empty password");
        if (password.Length < 8)
            throw new CliException(ExitCodes.UsageOrConfig, "password too short: use at least 8 characters");
        return password;
    }

    private static string Prompt(string text)
    {
        Console.Error.Write(text);
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace && sb.Length > 0)
                sb.Length--;
            else if (!char.IsControl(key.KeyChar))
                sb.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }
}
