using System.Text.Json.Serialization;

namespace Letterbox.Acme.Protocol;

// The resources of RFC 8555 §7.1, only the members Letterbox reads. Unknown members are ignored,
// so a CA that adds fields (profiles, ARI) does not break us.

/// <summary>The directory (RFC 8555 §7.1.1).</summary>
public sealed record AcmeDirectory(
    [property: JsonPropertyName("newNonce")] Uri? NewNonce,
    [property: JsonPropertyName("newAccount")] Uri? NewAccount,
    [property: JsonPropertyName("newOrder")] Uri? NewOrder,
    [property: JsonPropertyName("revokeCert")] Uri? RevokeCert,
    [property: JsonPropertyName("keyChange")] Uri? KeyChange,
    [property: JsonPropertyName("meta")] AcmeDirectoryMeta? Meta);

/// <summary>The directory's "meta" object.</summary>
public sealed record AcmeDirectoryMeta(
    [property: JsonPropertyName("termsOfService")] string? TermsOfService,
    [property: JsonPropertyName("website")] string? Website,
    [property: JsonPropertyName("externalAccountRequired")] bool? ExternalAccountRequired);

/// <summary>An account object (RFC 8555 §7.1.2).</summary>
public sealed record AcmeAccount(
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("contact")] IReadOnlyList<string>? Contact);

/// <summary>An identifier (RFC 8555 §9.7.7); Letterbox only asks for "dns".</summary>
public sealed record AcmeIdentifier(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("value")] string Value);

/// <summary>An order object (RFC 8555 §7.1.3).</summary>
public sealed record AcmeOrder(
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("expires")] DateTimeOffset? Expires,
    [property: JsonPropertyName("identifiers")] IReadOnlyList<AcmeIdentifier>? Identifiers,
    [property: JsonPropertyName("authorizations")] IReadOnlyList<Uri>? Authorizations,
    [property: JsonPropertyName("finalize")] Uri? Finalize,
    [property: JsonPropertyName("certificate")] Uri? Certificate,
    [property: JsonPropertyName("error")] AcmeProblem? Error);

/// <summary>An authorization object (RFC 8555 §7.1.4).</summary>
public sealed record AcmeAuthorization(
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("identifier")] AcmeIdentifier? Identifier,
    [property: JsonPropertyName("challenges")] IReadOnlyList<AcmeChallenge>? Challenges,
    [property: JsonPropertyName("wildcard")] bool? Wildcard);

/// <summary>A challenge object (RFC 8555 §7.1.5, §8).</summary>
public sealed record AcmeChallenge(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("url")] Uri? Url,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("error")] AcmeProblem? Error);

/// <summary>A problem document (RFC 7807, as used by RFC 8555 §6.7).</summary>
public sealed record AcmeProblem(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("status")] int? Status,
    [property: JsonPropertyName("identifier")] AcmeIdentifier? Identifier,
    [property: JsonPropertyName("subproblems")] IReadOnlyList<AcmeProblem>? Subproblems);

/// <summary>The newAccount payload (RFC 8555 §7.3). The EAB member is raw JSON spliced in by the writer.</summary>
public sealed record NewAccountRequest(
    [property: JsonPropertyName("contact")] IReadOnlyList<string>? Contact,
    [property: JsonPropertyName("termsOfServiceAgreed")] bool TermsOfServiceAgreed,
    [property: JsonPropertyName("onlyReturnExisting")] bool? OnlyReturnExisting);

/// <summary>The newOrder payload (RFC 8555 §7.4).</summary>
public sealed record NewOrderRequest([property: JsonPropertyName("identifiers")] IReadOnlyList<AcmeIdentifier> Identifiers);

/// <summary>The finalize payload: base64url DER of the CSR (RFC 8555 §7.4).</summary>
public sealed record FinalizeRequest([property: JsonPropertyName("csr")] string Csr);

/// <summary>Source-generated JSON for every resource above: the only JSON path Native AOT can keep.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AcmeDirectory))]
[JsonSerializable(typeof(AcmeAccount))]
[JsonSerializable(typeof(AcmeOrder))]
[JsonSerializable(typeof(AcmeAuthorization))]
[JsonSerializable(typeof(AcmeChallenge))]
[JsonSerializable(typeof(AcmeProblem))]
[JsonSerializable(typeof(NewAccountRequest))]
[JsonSerializable(typeof(NewOrderRequest))]
[JsonSerializable(typeof(FinalizeRequest))]
public sealed partial class AcmeJson : JsonSerializerContext;
