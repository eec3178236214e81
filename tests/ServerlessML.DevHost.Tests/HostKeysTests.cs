using Microsoft.AspNetCore.Http;
using ServerlessML.DevHost.Http;

namespace ServerlessML.DevHost.Tests;

public sealed class HostKeysTests
{
    private readonly HostKeys _keys = new("function-key", "master-key");

    [Theory]
    [InlineData(null, AuthorizationLevel.Anonymous)]
    [InlineData("wrong", AuthorizationLevel.Anonymous)]
    [InlineData("function-key", AuthorizationLevel.Function)]
    [InlineData("master-key", AuthorizationLevel.Admin)]
    public void Key_grants_its_level(string? presented, AuthorizationLevel expected) =>
        Assert.Equal(expected, _keys.Grant(presented));

    [Theory]
    [InlineData(AuthorizationLevel.Anonymous, AuthorizationLevel.Anonymous, true)]
    [InlineData(AuthorizationLevel.Function, AuthorizationLevel.Anonymous, false)]
    [InlineData(AuthorizationLevel.Function, AuthorizationLevel.Function, true)]
    [InlineData(AuthorizationLevel.Function, AuthorizationLevel.Admin, true)]
    [InlineData(AuthorizationLevel.User, AuthorizationLevel.Function, true)]
    [InlineData(AuthorizationLevel.Admin, AuthorizationLevel.Function, false)]
    [InlineData(AuthorizationLevel.System, AuthorizationLevel.Function, false)]
    [InlineData(AuthorizationLevel.System, AuthorizationLevel.Admin, true)]
    [InlineData(AuthorizationLevel.Admin, AuthorizationLevel.Admin, true)]
    public void Endpoint_level_decides_which_keys_pass(AuthorizationLevel required, AuthorizationLevel granted, bool allowed) =>
        Assert.Equal(allowed, HostKeys.Allows(required, granted));

    [Fact]
    public void Header_key_is_preferred_over_the_code_query_parameter()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?code=from-query");
        Assert.Equal("from-query", HostKeys.PresentedKey(context.Request));

        context.Request.Headers[HostKeys.KeyHeader] = "from-header";
        Assert.Equal("from-header", HostKeys.PresentedKey(context.Request));
    }

    [Fact]
    public void Same_key_for_function_and_master_is_refused() =>
        Assert.Throws<ArgumentException>(() => new HostKeys("same", "same"));

    [Fact]
    public void New_keys_are_distinct_and_need_no_url_escaping()
    {
        string a = HostKeys.NewKey(), b = HostKeys.NewKey();

        Assert.NotEqual(a, b);
        Assert.Equal(a, Uri.EscapeDataString(a));
    }
}
