using System.Net;
using Letterbox.Protocol.Dns;

namespace Letterbox.Protocol.Tests.Dns;

public class DnsWireTests
{
    private static readonly DnsName Zone = DnsName.Parse("example.test.");

    [Fact]
    public void Names_compare_without_case_but_keep_it()
    {
        var a = DnsName.Parse("Mail.Example.TEST.");
        Assert.Equal("Mail.Example.TEST.", a.ToString());
        Assert.Equal("mail.example.test.", a.Key);
        Assert.Equal(DnsName.Parse("mail.example.test."), a);
        Assert.True(a.IsAtOrBelow(Zone));
        Assert.False(Zone.IsAtOrBelow(a));
        Assert.Equal(19, a.WireLength);
    }

    [Fact]
    public void Relative_names_take_the_origin_and_escapes_are_undone()
    {
        Assert.Equal("www.example.test.", DnsName.Parse("www", Zone).Key);
        Assert.Equal(Zone, DnsName.Parse("@", Zone));
        var dotted = DnsName.Parse("a\\.b.example.test.");
        Assert.Equal(3, dotted.LabelCount);
        Assert.Equal("a.b", dotted.Labels[0]);
        Assert.Equal("a\\.b.example.test.", dotted.Key);
        Assert.Equal("\\000x.", DnsName.Parse("\\000x.").Key);
    }

    [Theory]
    [InlineData("a..b.")]
    [InlineData("relative")]
    [InlineData("\\256.")]
    public void Bad_presentation_names_are_refused(string text) =>
        Assert.Throws<FormatException>(() => DnsName.Parse(text));

    [Fact]
    public void Label_and_name_limits_hold_in_presentation_form()
    {
        DnsName.Parse(new string('a', 63) + ".");
        Assert.Throws<FormatException>(() => DnsName.Parse(new string('a', 64) + "."));
        // 4 labels of 63 = 4*64+1 = 257 octets on the wire.
        var label = new string('a', 63);
        Assert.Throws<FormatException>(() => DnsName.Parse($"{label}.{label}.{label}.{label}."));
        var fits = $"{label}.{label}.{label}.{new string('a', 61)}.";
        Assert.Equal(255, DnsName.Parse(fits).WireLength);
    }

    [Fact]
    public void Writer_compresses_repeated_suffixes_and_reader_expands_them()
    {
        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { Id = 7, AnCount = 3 });
        w.WriteRecord(new ResourceRecord(Zone, 300, new MxRData(10, DnsName.Parse("mail.example.test."))));
        w.WriteRecord(new ResourceRecord(DnsName.Parse("MAIL.example.test."), 300, new AddressRData(IPAddress.Parse("192.0.2.1"))));
        w.WriteRecord(new ResourceRecord(DnsName.Parse("_imaps._tcp.example.test."), 300, new SrvRData(0, 1, 993, DnsName.Parse("mail.example.test."))));
        var bytes = w.ToArray();

        var m = DnsMessage.Parse(bytes);
        Assert.Equal(3, m.Answers.Count);
        Assert.Equal("mail.example.test.", ((MxRData)m.Answers[0].Data).Exchange.ToString());
        // The second owner points at the MX exchange written before it, so it reads back in that case.
        Assert.Equal("mail.example.test.", m.Answers[1].Name.ToString());
        Assert.Equal("_imaps._tcp.example.test.", m.Answers[2].Name.Key);
        // Uncompressed this would be 12 + 3 records of ~30+ octets each; compressed it is much less.
        Assert.True(bytes.Length < 12 + 14 + 2 + 19 + 2 + 4 + 10 + 2 + 4 + 10 + 12 + 2 + 6 + 19 + 10 + 10, $"length {bytes.Length}");
        // RFC 2782: the SRV target is written in full, never as a pointer.
        Assert.Contains("\u0004mail\u0007example\u0004test\u0000", System.Text.Encoding.Latin1.GetString(bytes[^21..]));
    }

    public static TheoryData<string, string> RecordTexts => new()
    {
        { "A", "192.0.2.25" },
        { "AAAA", "2001:db8::25" },
        { "CNAME", "mail.example.test." },
        { "NS", "ns1.example.test." },
        { "PTR", "host.example.test." },
        { "MX", "10 mail.example.test." },
        { "TXT", "\"v=spf1 mx -all\"" },
        { "TXT", "\"two\" \"strings \\\"quoted\\\"\"" },
        { "SRV", "0 1 993 mail.example.test." },
        { "CAA", "0 issue \"letsencrypt.org\"" },
        { "SOA", "mail.example.test. hostmaster.example.test. 2026112501 3600 900 1209600 300" },
        { "TLSA", "3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" },
        { "SSHFP", "4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" },
        { "TYPE65280", "\\# 3 ABCDEF" },
    };

    [Theory]
    [MemberData(nameof(RecordTexts))]
    public void Every_type_goes_from_text_to_wire_and_back(string typeName, string text)
    {
        Assert.True(DnsTypeNames.TryParse(typeName, out var type));
        var data = RData.Parse(type, Tokens(text), Zone);
        Assert.Equal(text, data.ToText());

        var w = new DnsWriter();
        w.WriteHeader(new DnsHeader { AnCount = 1 });
        w.WriteRecord(new ResourceRecord(Zone, 60, data));
        var back = DnsMessage.Parse(w.ToArray()).Answers.Single();
        Assert.Equal(type, back.Type);
        Assert.Equal(text, back.Data.ToText());
        Assert.Equal(data, back.Data);
    }

    [Fact]
    public void Long_txt_values_are_split_into_255_octet_strings()
    {
        var value = "v=DKIM1; k=rsa; p=" + new string('A', 392);
        var txt = TxtRData.FromValue(value);
        Assert.Equal([255, 155], txt.Strings.Select(s => s.Length));
        Assert.Equal(value, txt.Value);
    }

    [Fact]
    public void Query_reader_finds_the_question_key_and_edns()
    {
        var bytes = DnsMessage.Query(0x1234, DnsName.Parse("WwW.Example.Test."), DnsType.MX, ednsPayload: 4096);
        Span<char> key = stackalloc char[DnsNameReader.MaxKeyLength];
        Assert.Equal(DnsQueryStatus.Ok, DnsQuery.Parse(bytes, key, out var q));
        Assert.Equal("www.example.test.", key[..q.KeyLength].ToString());
        Assert.Equal(DnsType.MX, q.QType);
        Assert.Equal(DnsClass.IN, q.QClass);
        Assert.Equal((ushort)4096, q.Edns!.Value.PayloadSize);
        Assert.Equal(0x1234, q.Header.Id);
        Assert.Equal(3, q.LabelCount);
    }

    [Fact]
    public void Ttls_take_units() =>
        Assert.Equal((uint)5400, DnsTtl.Parse("1h30m"));

    /// <summary>Splits RDATA text into fields as the master-file reader does (quotes kept apart).</summary>
    internal static List<MasterToken> Tokens(string text)
    {
        var tokens = new List<MasterToken>();
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == ' ')
            {
                i++;
                continue;
            }
            if (text[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (text[i] != '"')
                {
                    if (text[i] == '\\')
                        sb.Append(text[i++]);
                    sb.Append(text[i++]);
                }
                i++;
                tokens.Add(new MasterToken(sb.ToString(), true));
                continue;
            }
            int start = i;
            while (i < text.Length && text[i] != ' ')
                i++;
            tokens.Add(new MasterToken(text[start..i], false));
        }
        return tokens;
    }
}
