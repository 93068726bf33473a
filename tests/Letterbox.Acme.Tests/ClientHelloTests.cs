using System.Net.Security;
using System.Security.Authentication;
using Letterbox.Net.Tls;

namespace Letterbox.Acme.Tests;

/// <summary>
/// The ClientHello peek that picks ECDSA or RSA, fed ClientHellos written by a real TLS client
/// (.NET's SslStream over OpenSSL), then cut and corrupted at every byte.
/// </summary>
public sealed class ClientHelloTests
{
    /// <summary>Records what a TLS client writes first, and fails its read so the handshake stops there.</summary>
    private sealed class Capture : Stream
    {
        public MemoryStream Written { get; } = new();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => 0;
        public override long Position { get => 0; set { } }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("capture only");
        public override long Seek(long offset, SeekOrigin origin) => 0;
        public override void SetLength(long value) { }
        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }

    private static byte[] HelloFrom(SslClientAuthenticationOptions options)
    {
        var capture = new Capture();
        using var tls = new SslStream(capture, leaveInnerStreamOpen: true);
        options.TargetHost = "mail.example.test";
        options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        try { tls.AuthenticateAsClient(options); } catch (Exception e) when (e is IOException or AuthenticationException) { }
        return capture.Written.ToArray();
    }

    private static ClientHello Parse(byte[] bytes)
    {
        Assert.Equal(ClientHello.Status.Parsed, ClientHello.TryParse(bytes, out var hello));
        return hello!;
    }

    [Fact]
    public void A_modern_client_accepts_ecdsa()
    {
        var hello = Parse(HelloFrom(new SslClientAuthenticationOptions()));
        Assert.True(hello.AcceptsEcdsa);
        Assert.Contains((ushort)0x0403, hello.SignatureSchemes!); // ecdsa_secp256r1_sha256
    }

    [Fact]
    public void A_tls12_client_with_only_rsa_key_exchange_suites_gets_rsa()
    {
        var hello = Parse(HelloFrom(new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12,
            CipherSuitesPolicy = new CipherSuitesPolicy([TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]),
        }));
        Assert.False(hello.AcceptsEcdsa);
    }

    [Fact]
    public void A_tls13_client_without_ecdsa_signature_schemes_gets_rsa()
    {
        var hello = new ClientHello([0x1301], [0x0804, 0x0401], [0x0304]);
        Assert.False(hello.AcceptsEcdsa);
        Assert.True(new ClientHello([0x1301], [0x0804, 0x0403], [0x0304]).AcceptsEcdsa);
    }

    [Fact]
    public void A_tls12_client_without_the_extension_is_judged_by_its_suites()
    {
        Assert.True(new ClientHello([0xC02B], null, null).AcceptsEcdsa);
        Assert.False(new ClientHello([0xC02F], null, null).AcceptsEcdsa);
    }

    [Fact]
    public void Every_truncation_needs_more_and_never_throws()
    {
        var bytes = HelloFrom(new SslClientAuthenticationOptions());
        int recordEnd = ClientHello.RecordHeaderSize + (bytes[3] << 8 | bytes[4]);
        for (int cut = 0; cut < recordEnd; cut++)
            Assert.Equal(ClientHello.Status.NeedMore, ClientHello.TryParse(bytes.AsSpan(0, cut), out _));
    }

    [Fact]
    public void Corrupt_bytes_anywhere_give_an_answer_not_an_exception()
    {
        var bytes = HelloFrom(new SslClientAuthenticationOptions());
        for (int i = 0; i < bytes.Length; i++)
        {
            foreach (var value in new byte[] { 0x00, 0xFF, 0x7F })
            {
                var copy = (byte[])bytes.Clone();
                copy[i] = value;
                _ = ClientHello.TryParse(copy, out _); // any status, no exception
            }
        }
    }

    [Theory]
    [InlineData("EHLO example.test\r\n")]
    [InlineData("a LOGIN x y\r\n")]
    [InlineData("\u0016\u0003\u0001\u00ff\u00ff")] // record longer than 16 KiB
    [InlineData("\u0016\u0003\u0001\u0000\u0004\u0002\u0000\u0000\u0000")] // a ServerHello, not a ClientHello
    public void What_is_not_a_client_hello_is_said_to_be_so(string text)
    {
        var bytes = text.Select(c => (byte)c).ToArray();
        Assert.Equal(ClientHello.Status.NotClientHello, ClientHello.TryParse(bytes, out _));
    }
}
