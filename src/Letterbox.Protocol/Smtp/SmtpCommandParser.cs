using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;

namespace Letterbox.Protocol.Smtp;

/// <summary>
/// Parses one command line (as cut by <see cref="SmtpLineReader"/>, terminator excluded) into an
/// <see cref="SmtpCommand"/>, or into the <see cref="SmtpError"/> to send back. Pure and total:
/// no input makes it throw.
/// </summary>
/// <remarks>
/// <para>Error codes: unknown verb 500 5.5.1; control characters (NUL, bare CR, TAB...) or an
/// empty line 500 5.5.2; malformed or missing arguments 501 5.5.4; bad reverse-path 501 5.1.7;
/// bad forward-path 501 5.1.3; a UTF-8 address without SMTPUTF8 553 5.6.7 (RFC 6531 §3.7.4,
/// Postfix's wording); a MAIL/RCPT parameter that is unknown or whose extension was not advertised
/// 555 5.5.4 (RFC 5321 §4.1.1.11); a known parameter value naming something not offered
/// (BODY=BINARYMIME without it) or an AUTH mechanism not offered 504 5.5.4 (RFC 4954 §4);
/// an AUTH initial response that is not base64 501 5.5.2 (RFC 4954 §4).</para>
/// <para>Leniencies, each one a thing real clients do: trailing spaces are ignored; several spaces
/// may separate words; "MAIL FROM: &lt;a@b&gt;" (space after the colon, as Outlook and others send)
/// is accepted as Postfix accepts it; the EHLO argument need not be a valid domain (see
/// <see cref="HeloCommand"/>). Not accepted: a path without angle brackets (Postfix's
/// strict_rfc821_envelopes), and anything inside the brackets beyond RFC 5321's grammar.</para>
/// </remarks>
public static class SmtpCommandParser
{
    /// <summary>More ESMTP parameters than any defined combination needs; past it, 501 5.5.4.</summary>
    public const int MaxParameters = 16;

    /// <summary>RFC 3461 §4.4: ENVID is at most 100 characters.</summary>
    public const int MaxEnvelopeIdLength = 100;

    /// <summary>RFC 3461 §4.2: ORCPT is at most 500 characters.</summary>
    public const int MaxOriginalRecipientLength = 500;

    /// <summary>Parses a line that may span several buffer segments.</summary>
    public static SmtpCommandResult Parse(in ReadOnlySequence<byte> line, in SmtpParseContext context)
    {
        if (line.IsSingleSegment)
            return Parse(line.FirstSpan, context);
        if (line.Length > 1 << 20)
            return SmtpCommandResult.Fail(SmtpVerb.Unknown, SmtpError.Syntax("Line too long"));
        byte[] rented = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(rented);
            return Parse(rented.AsSpan(0, (int)line.Length), context);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Parses one command line, without its CRLF.</summary>
    public static SmtpCommandResult Parse(ReadOnlySpan<byte> line, in SmtpParseContext context)
    {
        line = line.TrimEnd((byte)' ');
        foreach (byte b in line)
            if (b < 0x20 || b == 0x7F)
                return Fail(SmtpVerb.Unknown, SmtpError.Syntax("Syntax error: control character in command"));
        if (line.IsEmpty)
            return Fail(SmtpVerb.Unknown, SmtpError.Syntax("Syntax error: empty command"));

        int space = line.IndexOf((byte)' ');
        var verbText = space < 0 ? line : line[..space];
        var args = space < 0 ? default : line[space..].TrimStart((byte)' ');
        var verb = VerbOf(verbText);

        return verb switch
        {
            SmtpVerb.Helo or SmtpVerb.Ehlo => ParseHelo(verb, args),
            SmtpVerb.Mail => ParseMail(args, context),
            SmtpVerb.Rcpt => ParseRcpt(args, context),
            SmtpVerb.Bdat => ParseBdat(args),
            SmtpVerb.Auth => ParseAuth(args, context),
            SmtpVerb.Data or SmtpVerb.Rset or SmtpVerb.Quit or SmtpVerb.StartTls => args.IsEmpty
                ? SmtpCommandResult.Ok(new TextCommand(verb, null))
                : Fail(verb, SmtpError.Arguments($"Syntax: {Name(verb)} takes no arguments")), // RFC 3207 §4: 501 for STARTTLS too
            SmtpVerb.Noop or SmtpVerb.Help => Text(verb, args, required: false),
            SmtpVerb.Vrfy or SmtpVerb.Expn => Text(verb, args, required: true),
            _ => Fail(SmtpVerb.Unknown, SmtpError.UnknownCommand),
        };
    }

    private static SmtpVerb VerbOf(ReadOnlySpan<byte> v)
    {
        if (v.Length == 4)
        {
            if (Ascii.EqualsIgnoreCase(v, "EHLO"u8)) return SmtpVerb.Ehlo;
            if (Ascii.EqualsIgnoreCase(v, "HELO"u8)) return SmtpVerb.Helo;
            if (Ascii.EqualsIgnoreCase(v, "MAIL"u8)) return SmtpVerb.Mail;
            if (Ascii.EqualsIgnoreCase(v, "RCPT"u8)) return SmtpVerb.Rcpt;
            if (Ascii.EqualsIgnoreCase(v, "DATA"u8)) return SmtpVerb.Data;
            if (Ascii.EqualsIgnoreCase(v, "BDAT"u8)) return SmtpVerb.Bdat;
            if (Ascii.EqualsIgnoreCase(v, "RSET"u8)) return SmtpVerb.Rset;
            if (Ascii.EqualsIgnoreCase(v, "NOOP"u8)) return SmtpVerb.Noop;
            if (Ascii.EqualsIgnoreCase(v, "QUIT"u8)) return SmtpVerb.Quit;
            if (Ascii.EqualsIgnoreCase(v, "HELP"u8)) return SmtpVerb.Help;
            if (Ascii.EqualsIgnoreCase(v, "VRFY"u8)) return SmtpVerb.Vrfy;
            if (Ascii.EqualsIgnoreCase(v, "EXPN"u8)) return SmtpVerb.Expn;
            if (Ascii.EqualsIgnoreCase(v, "AUTH"u8)) return SmtpVerb.Auth;
        }
        else if (v.Length == 8 && Ascii.EqualsIgnoreCase(v, "STARTTLS"u8))
            return SmtpVerb.StartTls;
        return SmtpVerb.Unknown;
    }

    private static string Name(SmtpVerb verb) => verb == SmtpVerb.StartTls ? "STARTTLS" : verb.ToString().ToUpperInvariant();

    private static SmtpCommandResult Fail(SmtpVerb verb, SmtpError error) => SmtpCommandResult.Fail(verb, error);

    // RFC 5321 §4.1.1.1: ehlo = "EHLO" SP ( Domain / address-literal ); helo = "HELO" SP Domain.
    private static SmtpCommandResult ParseHelo(SmtpVerb verb, ReadOnlySpan<byte> args)
    {
        // Valid UTF-8 without C1 controls, since the name ends up in Received: headers and logs.
        if (args.IsEmpty || args.IndexOf((byte)' ') >= 0 || !SmtpDomain.IsCleanUtf8(args))
            return Fail(verb, SmtpError.Arguments($"Syntax: {Name(verb)} hostname"));
        string host = Encoding.UTF8.GetString(args);
        if (args[0] == (byte)'[')
        {
            bool ok = SmtpDomain.TryParseAddressLiteral(args, out var ip);
            return SmtpCommandResult.Ok(new HeloCommand(verb, host, ip, ok));
        }
        // RFC 6531 §3.7.1: the EHLO domain may hold U-labels.
        return SmtpCommandResult.Ok(new HeloCommand(verb, host, null, SmtpDomain.IsValid(args, allowUtf8: true)));
    }

    // RFC 5321 §4.1.1.2: "MAIL FROM:" Reverse-path [SP Mail-parameters].
    private static SmtpCommandResult ParseMail(ReadOnlySpan<byte> args, in SmtpParseContext context)
    {
        if (args.Length < 5 || !Ascii.EqualsIgnoreCase(args[..5], "FROM:"u8))
            return Fail(SmtpVerb.Mail, SmtpError.Arguments("Syntax: MAIL FROM:<address>"));
        var rest = args[5..].TrimStart((byte)' '); // leniency: "MAIL FROM: <a@b>"

        // Parse with UTF-8 allowed: whether it is allowed depends on the SMTPUTF8 parameter
        // after the path, checked below.
        var error = SmtpAddressParser.TryParsePath(rest, SmtpPathKind.Reverse, allowUtf8: true, out var address, out int consumed);
        if (error != SmtpAddressError.None)
            return Fail(SmtpVerb.Mail, SmtpError.SenderSyntax(Describe(error, "sender")));
        rest = rest[consumed..];
        if (!rest.IsEmpty && rest[0] != (byte)' ')
            return Fail(SmtpVerb.Mail, SmtpError.SenderSyntax("Bad sender address syntax"));

        var parameters = MailParameters.None;
        if (!rest.IsEmpty)
        {
            var perror = ParseMailParameters(rest, context, out parameters);
            if (perror is { } pe)
                return Fail(SmtpVerb.Mail, pe);
        }
        if (address!.RequiresSmtpUtf8 && !parameters.SmtpUtf8)
            return Fail(SmtpVerb.Mail, SmtpError.NeedsSmtpUtf8); // RFC 6531 §3.4, §3.7.4
        return SmtpCommandResult.Ok(new MailCommand(address, parameters));
    }

    // RFC 5321 §4.1.1.3: "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path ) [SP Rcpt-parameters].
    private static SmtpCommandResult ParseRcpt(ReadOnlySpan<byte> args, in SmtpParseContext context)
    {
        if (args.Length < 3 || !Ascii.EqualsIgnoreCase(args[..3], "TO:"u8))
            return Fail(SmtpVerb.Rcpt, SmtpError.Arguments("Syntax: RCPT TO:<address>"));
        var rest = args[3..].TrimStart((byte)' ');

        var error = SmtpAddressParser.TryParsePath(rest, SmtpPathKind.Forward, context.TransactionSmtpUtf8, out var address, out int consumed);
        if (error == SmtpAddressError.NeedsSmtpUtf8)
            return Fail(SmtpVerb.Rcpt, SmtpError.NeedsSmtpUtf8);
        if (error != SmtpAddressError.None)
            return Fail(SmtpVerb.Rcpt, SmtpError.RecipientSyntax(Describe(error, "recipient")));
        rest = rest[consumed..];
        if (!rest.IsEmpty && rest[0] != (byte)' ')
            return Fail(SmtpVerb.Rcpt, SmtpError.RecipientSyntax("Bad recipient address syntax"));

        var parameters = RcptParameters.None;
        if (!rest.IsEmpty)
        {
            var perror = ParseRcptParameters(rest, context, out parameters);
            if (perror is { } pe)
                return Fail(SmtpVerb.Rcpt, pe);
        }
        return SmtpCommandResult.Ok(new RcptCommand(address!, parameters));
    }

    private static string Describe(SmtpAddressError error, string role) => error switch
    {
        SmtpAddressError.LocalPartTooLong => "Local part too long",
        SmtpAddressError.DomainTooLong => "Domain name too long",
        SmtpAddressError.PathTooLong => "Address too long",
        SmtpAddressError.InvalidUtf8 => "Address is not valid UTF-8",
        SmtpAddressError.NullNotAllowed => "Null recipient not allowed",
        _ => $"Bad {role} address syntax",
    };

    // RFC 3030 §2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ]; chunk-size = 1*DIGIT; end-marker = "LAST".
    private static SmtpCommandResult ParseBdat(ReadOnlySpan<byte> args)
    {
        var syntax = SmtpError.Arguments("Syntax: BDAT size [LAST]");
        int space = args.IndexOf((byte)' ');
        var sizeText = space < 0 ? args : args[..space];
        var rest = space < 0 ? default : args[space..].TrimStart((byte)' ');
        if (sizeText.IsEmpty || sizeText.Length > 18)
            return Fail(SmtpVerb.Bdat, syntax); // 18 digits always fit in a long
        long size = 0;
        foreach (byte b in sizeText)
        {
            if (b < (byte)'0' || b > (byte)'9')
                return Fail(SmtpVerb.Bdat, syntax);
            size = size * 10 + (b - '0');
        }
        bool last = false;
        if (!rest.IsEmpty)
        {
            if (!Ascii.EqualsIgnoreCase(rest, "LAST"u8))
                return Fail(SmtpVerb.Bdat, syntax);
            last = true;
        }
        return SmtpCommandResult.Ok(new BdatCommand(size, last));
    }

    // RFC 4954 §4: "AUTH" SP sasl-mech [SP initial-response]; initial-response = base64 / "=".
    private static SmtpCommandResult ParseAuth(ReadOnlySpan<byte> args, in SmtpParseContext context)
    {
        var syntax = SmtpError.Arguments("Syntax: AUTH mechanism [initial-response]");
        int space = args.IndexOf((byte)' ');
        var mech = space < 0 ? args : args[..space];
        var response = space < 0 ? default : args[space..].TrimStart((byte)' ');

        // RFC 4422 §3.1: sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / "-" / "_" (case-insensitive here).
        if (mech.IsEmpty || mech.Length > 20)
            return Fail(SmtpVerb.Auth, syntax);
        foreach (byte b in mech)
            if (!(char.IsAsciiLetterOrDigit((char)b) || b == (byte)'-' || b == (byte)'_'))
                return Fail(SmtpVerb.Auth, syntax);
        string name = Encoding.ASCII.GetString(mech).ToUpperInvariant();
        if (context.AuthMechanisms is { } offered && !offered.Contains(name, StringComparer.OrdinalIgnoreCase))
            return Fail(SmtpVerb.Auth, SmtpError.NotImplemented("Unrecognized authentication type"));

        string? initial = null;
        if (!response.IsEmpty)
        {
            if (response.IndexOf((byte)' ') >= 0)
                return Fail(SmtpVerb.Auth, syntax);
            if (!(response.Length == 1 && response[0] == (byte)'=') && (response.Length % 4 != 0 || !Base64.IsValid(response)))
                return Fail(SmtpVerb.Auth, SmtpError.ArgumentSyntax("Cannot Base64-decode client response"));
            initial = Encoding.ASCII.GetString(response);
        }
        return SmtpCommandResult.Ok(new AuthCommand(name, initial));
    }

    private static SmtpCommandResult Text(SmtpVerb verb, ReadOnlySpan<byte> args, bool required)
    {
        if (args.IsEmpty)
            return required ? Fail(verb, SmtpError.Arguments($"Syntax: {Name(verb)} argument")) : SmtpCommandResult.Ok(new TextCommand(verb, null));
        if (!SmtpDomain.IsCleanUtf8(args))
            return Fail(verb, SmtpError.Arguments("Argument is not valid UTF-8"));
        return SmtpCommandResult.Ok(new TextCommand(verb, Encoding.UTF8.GetString(args)));
    }

    // ---- ESMTP parameters (RFC 5321 §4.1.2) ----
    //   esmtp-param   = esmtp-keyword ["=" esmtp-value]
    //   esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    //   esmtp-value   = 1*(%d33-60 / %d62-126)   ; plus UTF-8 (RFC 6531 §3.3)

    private ref struct ParameterEnumerator
    {
        private ReadOnlySpan<byte> _rest;

        public ParameterEnumerator(ReadOnlySpan<byte> rest) => _rest = rest;

        public ReadOnlySpan<byte> Keyword;
        public ReadOnlySpan<byte> Value;
        public bool HasValue;

        /// <summary>Moves to the next parameter; false at the end. Syntax is checked by <see cref="Check"/>.</summary>
        public bool MoveNext()
        {
            _rest = _rest.TrimStart((byte)' ');
            if (_rest.IsEmpty)
                return false;
            int space = _rest.IndexOf((byte)' ');
            var token = space < 0 ? _rest : _rest[..space];
            _rest = space < 0 ? default : _rest[space..];
            int eq = token.IndexOf((byte)'=');
            HasValue = eq >= 0;
            Keyword = HasValue ? token[..eq] : token;
            Value = HasValue ? token[(eq + 1)..] : default;
            return true;
        }

        public readonly SmtpError? Check()
        {
            if (Keyword.IsEmpty || !char.IsAsciiLetterOrDigit((char)Keyword[0]))
                return SmtpError.Arguments("Bad parameter syntax");
            foreach (byte b in Keyword)
                if (!(char.IsAsciiLetterOrDigit((char)b) || b == (byte)'-'))
                    return SmtpError.Arguments("Bad parameter syntax");
            if (HasValue)
            {
                if (Value.IsEmpty)
                    return SmtpError.Arguments("Bad parameter syntax");
                foreach (byte b in Value)
                    if (b <= 32 || b == (byte)'=' || b == 127)
                        return SmtpError.Arguments("Bad parameter syntax");
                if (!Utf8.IsValid(Value))
                    return SmtpError.Arguments("Bad parameter syntax");
            }
            return null;
        }

        public readonly bool Is(ReadOnlySpan<byte> name) => Ascii.EqualsIgnoreCase(Keyword, name);
    }

    private static SmtpError Unrecognized => SmtpError.UnknownParameter("Unrecognized parameter");
    private static SmtpError Duplicate => SmtpError.Arguments("Duplicate parameter");
    private static SmtpError TooMany => SmtpError.Arguments("Too many parameters");

    private static SmtpError? ParseMailParameters(ReadOnlySpan<byte> text, in SmtpParseContext context, out MailParameters parameters)
    {
        parameters = MailParameters.None;
        var ext = context.Extensions;
        long? size = null;
        var body = SmtpBodyType.Unspecified;
        bool utf8 = false;
        var ret = DsnReturn.Unspecified;
        string? envid = null, auth = null;
        int count = 0;

        var p = new ParameterEnumerator(text);
        while (p.MoveNext())
        {
            if (++count > MaxParameters)
                return TooMany;
            if (p.Check() is { } bad)
                return bad;

            if (p.Is("SIZE"u8) && ext.HasFlag(SmtpExtensions.Size))
            {
                // RFC 1870 §3: size-value = 1*20DIGIT.
                if (size is not null)
                    return Duplicate;
                if (!p.HasValue || p.Value.Length > 20)
                    return SmtpError.Arguments("Bad SIZE value");
                long value = 0;
                foreach (byte b in p.Value)
                {
                    if (b < (byte)'0' || b > (byte)'9')
                        return SmtpError.Arguments("Bad SIZE value");
                    // Saturate: a 20-digit size is simply "too big" for the session's limit check.
                    value = value > (long.MaxValue - 9) / 10 ? long.MaxValue : value * 10 + (b - '0');
                }
                size = value;
            }
            else if (p.Is("BODY"u8) && (ext & (SmtpExtensions.EightBitMime | SmtpExtensions.BinaryMime)) != 0)
            {
                if (body != SmtpBodyType.Unspecified)
                    return Duplicate;
                if (!p.HasValue)
                    return SmtpError.Arguments("Bad BODY value");
                if (Ascii.EqualsIgnoreCase(p.Value, "7BIT"u8))
                    body = SmtpBodyType.SevenBit;
                else if (Ascii.EqualsIgnoreCase(p.Value, "8BITMIME"u8))
                    body = ext.HasFlag(SmtpExtensions.EightBitMime) ? SmtpBodyType.EightBitMime : SmtpBodyType.Unspecified;
                else if (Ascii.EqualsIgnoreCase(p.Value, "BINARYMIME"u8))
                    body = ext.HasFlag(SmtpExtensions.BinaryMime) ? SmtpBodyType.BinaryMime : SmtpBodyType.Unspecified;
                else
                    return SmtpError.Arguments("Bad BODY value");
                if (body == SmtpBodyType.Unspecified)
                    return SmtpError.NotImplemented("BODY type not supported");
            }
            else if (p.Is("SMTPUTF8"u8) && ext.HasFlag(SmtpExtensions.SmtpUtf8))
            {
                // RFC 6531 §3.4: the parameter has no value.
                if (utf8)
                    return Duplicate;
                if (p.HasValue)
                    return SmtpError.Arguments("SMTPUTF8 takes no value");
                utf8 = true;
            }
            else if (p.Is("RET"u8) && ext.HasFlag(SmtpExtensions.Dsn))
            {
                // RFC 3461 §4.3: ret-value = "FULL" / "HDRS".
                if (ret != DsnReturn.Unspecified)
                    return Duplicate;
                if (p.HasValue && Ascii.EqualsIgnoreCase(p.Value, "FULL"u8))
                    ret = DsnReturn.Full;
                else if (p.HasValue && Ascii.EqualsIgnoreCase(p.Value, "HDRS"u8))
                    ret = DsnReturn.Headers;
                else
                    return SmtpError.Arguments("Bad RET value");
            }
            else if (p.Is("ENVID"u8) && ext.HasFlag(SmtpExtensions.Dsn))
            {
                // RFC 3461 §4.4: xtext, at most 100 characters, decoding to printable ASCII.
                if (envid is not null)
                    return Duplicate;
                if (!p.HasValue || p.Value.Length > MaxEnvelopeIdLength || !Xtext.TryDecode(p.Value, out envid) || !IsGraphicAscii(envid!))
                    return SmtpError.Arguments("Bad ENVID value");
            }
            else if (p.Is("AUTH"u8) && ext.HasFlag(SmtpExtensions.Auth))
            {
                // RFC 4954 §5: "AUTH=" (xtext mailbox / "<>").
                if (auth is not null)
                    return Duplicate;
                if (!p.HasValue)
                    return SmtpError.Arguments("Bad AUTH value");
                if (p.Value.SequenceEqual("<>"u8))
                    auth = "<>";
                else if (!Xtext.TryDecode(p.Value, out auth) || !SmtpDomain.IsCleanUtf8(Encoding.UTF8.GetBytes(auth!)))
                    return SmtpError.Arguments("Bad AUTH value");
            }
            else
                return Unrecognized;
        }

        parameters = new MailParameters { Size = size, Body = body, SmtpUtf8 = utf8, Return = ret, EnvelopeId = envid, Auth = auth };
        return null;
    }

    private static SmtpError? ParseRcptParameters(ReadOnlySpan<byte> text, in SmtpParseContext context, out RcptParameters parameters)
    {
        parameters = RcptParameters.None;
        var ext = context.Extensions;
        var notify = DsnNotify.Unspecified;
        string? orcptType = null, orcpt = null;
        int count = 0;

        var p = new ParameterEnumerator(text);
        while (p.MoveNext())
        {
            if (++count > MaxParameters)
                return TooMany;
            if (p.Check() is { } bad)
                return bad;

            if (p.Is("NOTIFY"u8) && ext.HasFlag(SmtpExtensions.Dsn))
            {
                // RFC 3461 §4.1: "NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" ).
                if (notify != DsnNotify.Unspecified)
                    return Duplicate;
                if (!p.HasValue || !TryParseNotify(p.Value, out notify))
                    return SmtpError.Arguments("Bad NOTIFY value");
            }
            else if (p.Is("ORCPT"u8) && ext.HasFlag(SmtpExtensions.Dsn))
            {
                // RFC 3461 §4.2: addr-type ";" xtext, at most 500 characters.
                if (orcptType is not null)
                    return Duplicate;
                if (!p.HasValue || p.Value.Length > MaxOriginalRecipientLength || !TryParseOrcpt(p.Value, out orcptType, out orcpt))
                    return SmtpError.Arguments("Bad ORCPT value");
            }
            else
                return Unrecognized;
        }

        parameters = new RcptParameters { Notify = notify, OriginalRecipientType = orcptType, OriginalRecipient = orcpt };
        return null;
    }

    private static bool TryParseNotify(ReadOnlySpan<byte> value, out DsnNotify notify)
    {
        notify = DsnNotify.Unspecified;
        if (Ascii.EqualsIgnoreCase(value, "NEVER"u8))
        {
            notify = DsnNotify.Never;
            return true;
        }
        while (true)
        {
            int comma = value.IndexOf((byte)',');
            var item = comma < 0 ? value : value[..comma];
            DsnNotify flag;
            if (Ascii.EqualsIgnoreCase(item, "SUCCESS"u8))
                flag = DsnNotify.Success;
            else if (Ascii.EqualsIgnoreCase(item, "FAILURE"u8))
                flag = DsnNotify.Failure;
            else if (Ascii.EqualsIgnoreCase(item, "DELAY"u8))
                flag = DsnNotify.Delay;
            else
                return false; // includes NEVER combined with others, and empty items
            if ((notify & flag) != 0)
                return false;
            notify |= flag;
            if (comma < 0)
                return true;
            value = value[(comma + 1)..];
        }
    }

    private static bool TryParseOrcpt(ReadOnlySpan<byte> value, out string? type, out string? address)
    {
        type = address = null;
        int semi = value.IndexOf((byte)';');
        if (semi <= 0)
            return false;
        var typeText = value[..semi];
        foreach (byte b in typeText)
            if (b >= 0x80 || !SmtpAddressParser.IsAtext(b))
                return false;
        var encoded = value[(semi + 1)..];
        if (encoded.IsEmpty)
            return false;
        type = Encoding.ASCII.GetString(typeText);
        if (Ascii.EqualsIgnoreCase(typeText, "utf-8"u8))
        {
            // RFC 6533 §3: utf-8-addr-xtext, kept as sent (already checked as valid UTF-8).
            address = Encoding.UTF8.GetString(encoded);
            return true;
        }
        return Xtext.TryDecode(encoded, out address);
    }

    private static bool IsGraphicAscii(string s)
    {
        foreach (char c in s)
            if (c < '!' || c > '~')
                return false;
        return true;
    }
}
