namespace Letterbox.Protocol.Dns;

/// <summary>Resource record types we know by name (RFC 1035 §3.2.2 and the RFCs named beside each).</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    HINFO = 13,
    MX = 15,
    TXT = 16,
    /// <summary>RFC 3596.</summary>
    AAAA = 28,
    /// <summary>RFC 2782.</summary>
    SRV = 33,
    /// <summary>RFC 6672.</summary>
    DNAME = 39,
    /// <summary>EDNS0 pseudo-record, RFC 6891 §6.1.</summary>
    OPT = 41,
    /// <summary>RFC 4034.</summary>
    DS = 43,
    /// <summary>RFC 4255.</summary>
    SSHFP = 44,
    RRSIG = 46,
    NSEC = 47,
    DNSKEY = 48,
    /// <summary>RFC 6698.</summary>
    TLSA = 52,
    /// <summary>RFC 8945; meta type.</summary>
    TSIG = 250,
    /// <summary>RFC 1995; meta query type.</summary>
    IXFR = 251,
    /// <summary>RFC 5936; meta query type.</summary>
    AXFR = 252,
    MAILB = 253,
    MAILA = 254,
    /// <summary>"*" in RFC 1035; RFC 8482 lets us answer it minimally.</summary>
    ANY = 255,
    /// <summary>RFC 8659.</summary>
    CAA = 257,
}

/// <summary>Classes (RFC 1035 §3.2.4). We serve IN only.</summary>
public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    HS = 4,
    NONE = 254,
    ANY = 255,
}

/// <summary>Header opcodes (RFC 1035 §4.1.1, RFC 1996, RFC 2136).</summary>
public enum DnsOpcode : byte
{
    Query = 0,
    IQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}

/// <summary>
/// Response codes. Values above 15 are extended RCODEs: the low 4 bits go in the header, the
/// rest in the OPT record's TTL field (RFC 6891 §6.1.3).
/// </summary>
public enum DnsRcode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    NotAuth = 9,
    /// <summary>RFC 6891 §6.1.3: the client's EDNS version is higher than ours.</summary>
    BadVers = 16,
}

/// <summary>Human names of types for master files and logs; unknown ones as TYPEnnn (RFC 3597 §5).</summary>
public static class DnsTypeNames
{
    public static string Name(DnsType type) => Enum.IsDefined(type) ? type.ToString() : "TYPE" + ((ushort)type).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParse(string text, out DnsType type)
    {
        if (text.StartsWith("TYPE", StringComparison.OrdinalIgnoreCase)
            && ushort.TryParse(text.AsSpan(4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ushort n))
        {
            type = (DnsType)n;
            return true;
        }
        foreach (var value in Enum.GetValues<DnsType>())
        {
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                type = value;
                return true;
            }
        }
        type = default;
        return false;
    }
}
