using System.IO.Hashing;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace AccountService.Accounts;

/// <summary>
/// A 200 JSON body with a strong ETag over its exact bytes, or 304 with no body when the caller's
/// <c>If-None-Match</c> already names it. The body is serialized once, for both the hash and the write. The tag is the
/// body's 128-bit XXH3 hash: the same on every replica, and it need only tell versions of one caller's body apart (a
/// cryptographic hash would cost a request more and buy nothing here).
/// </summary>
internal sealed class ETaggedJson<T> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult<T>
{
    private const string ContentType = "application/json; charset=utf-8";
    private readonly byte[] _body;

    public ETaggedJson(T value, JsonTypeInfo<T> typeInfo)
    {
        Value = value;
        _body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        ETag = Tag(_body);
    }

    public T? Value { get; }

    public string ETag { get; }

    public int? StatusCode => StatusCodes.Status200OK;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.Headers.ETag = ETag;
        if (Matches(httpContext.Request.Headers.IfNoneMatch))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = _body.Length;
        return response.Body.WriteAsync(_body, httpContext.RequestAborted).AsTask();
    }

    // The hash (its 16 bytes big-endian, the most significant first) as 32 lowercase hex digits in quotes, made in
    // place: one string per response.
    private static string Tag(byte[] body)
    {
        Span<byte> hash = stackalloc byte[16];
        XxHash128.Hash(body, hash);
        return string.Create(34, hash, static (tag, hash) =>
        {
            tag[0] = '"';
            Convert.TryToHexStringLower(hash, tag[1..^1], out _);
            tag[^1] = '"';
        });
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
    }

    // If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"; * matches anything.
    private bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch)
    {
        if (ifNoneMatch.Count == 0)
        {
            return false;
        }

        if (!EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(ETag);
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
    }
}
