using System.Runtime.InteropServices;

namespace Letterbox.Net.Unix;

/// <summary>A Unix account looked up by name: what a daemon drops to after it has its sockets.</summary>
public sealed record UnixUser(string Name, uint Uid, uint Gid)
{
    public static bool IsRoot => Libc.geteuid() == 0;

    public static uint EffectiveUid => Libc.geteuid();

    /// <summary>Looks the account up in the system's user database (files, NSS); null when absent.</summary>
    public static UnixUser? Find(string name)
    {
        const int bufferSize = 16384;
        nint buffer = Marshal.AllocHGlobal(bufferSize);
        try
        {
            var pwd = new Libc.Passwd();
            int rc = Libc.getpwnam_r(name, ref pwd, buffer, bufferSize, out nint result);
            if (rc != 0 || result == 0)
                return null;
            return new UnixUser(name, pwd.pw_uid, pwd.pw_gid);
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }

    /// <summary>
    /// Gives up root for good: supplementary groups, then group, then user (that order, since
    /// after setresuid we could no longer change groups). Real, effective and saved IDs all
    /// change, so the process cannot regain root. glibc applies each call to every thread.
    /// </summary>
    public void BecomeThisUser()
    {
        uint gid = Gid;
        if (Libc.setgroups(1, ref gid) != 0)
            throw new UnauthorizedAccessException($"setgroups({Gid}) failed: errno {Marshal.GetLastPInvokeError()}");
        if (Libc.setresgid(Gid, Gid, Gid) != 0)
            throw new UnauthorizedAccessException($"setresgid({Gid}) failed: errno {Marshal.GetLastPInvokeError()}");
        if (Libc.setresuid(Uid, Uid, Uid) != 0)
            throw new UnauthorizedAccessException($"setresuid({Uid}) failed: errno {Marshal.GetLastPInvokeError()}");
        if (Libc.geteuid() != Uid)
            throw new UnauthorizedAccessException($"still running as uid {Libc.geteuid()} after dropping to {Name}");
    }

    /// <summary>Hands a file or directory to this user, so a daemon that runs as it can write there.</summary>
    public void Own(string path)
    {
        if (Libc.chown(path, Uid, Gid) != 0)
            throw new UnauthorizedAccessException($"chown {path} to {Name} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Gives a file to a group, keeping its owner: for sockets a daemon's group must reach.</summary>
    public static void ChownGroupOnly(string path, uint gid)
    {
        if (Libc.chown(path, uint.MaxValue, gid) != 0) // (uid_t)-1 leaves the owner as it is.
            throw new UnauthorizedAccessException($"chown :{gid} {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The uid and gid that own a file (x86_64 Linux layout of struct stat).</summary>
    public static (uint Uid, uint Gid) OwnerOf(string path)
    {
        nint buffer = Marshal.AllocHGlobal(Libc.StatSize);
        try
        {
            if (Libc.stat(path, buffer) != 0)
                throw new IOException($"stat {path} failed: errno {Marshal.GetLastPInvokeError()}");
            return ((uint)Marshal.ReadInt32(buffer, Libc.StatUidOffset), (uint)Marshal.ReadInt32(buffer, Libc.StatGidOffset));
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }

    /// <summary>Gives up root for the account that owns <paramref name="path"/>, so what we create there stays usable by it.</summary>
    public static void BecomeOwnerOf(string path)
    {
        var (uid, gid) = OwnerOf(path);
        if (uid == 0)
            return;
        new UnixUser($"uid {uid}", uid, gid).BecomeThisUser();
    }
}
