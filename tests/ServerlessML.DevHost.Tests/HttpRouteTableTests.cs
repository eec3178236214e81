using Microsoft.AspNetCore.Http;
using ServerlessML.DevHost.Http;

namespace ServerlessML.DevHost.Tests;

public sealed class HttpRouteTableTests
{
    private static readonly HttpRouteTable ServingRoutes = HttpRouteTable.Build(
        [
            TestFunctions.Http("HealthLive", "v2/health/live", "Anonymous", "get"),
            TestFunctions.Http("ServerMetadata", "v2", "Function", "get"),
            TestFunctions.Http("ModelMetadata", "v2/models/{model}/versions/{version?}", "Function", "get"),
            TestFunctions.Http("ModelInfer", "v2/models/{model}/infer", "Function", "post"),
            TestFunctions.Http("Predict", "v1/models/{model}:predict", "Function", "post"),
            TestFunctions.Http("Management", "management/{*rest}", "Admin"),
            TestFunctions.Http("Paged", "items/{page:int=1}", "Anonymous", "get"),
        ],
        routePrefix: "");

    [Fact]
    public void Literal_route_matches_its_path_and_method()
    {
        var match = ServingRoutes.Match("GET", new PathString("/v2/health/live"), out _);

        Assert.Equal("HealthLive", match?.Route.Function.Name);
        Assert.Equal(AuthorizationLevel.Anonymous, match!.Route.AuthLevel);
    }

    [Fact]
    public void Route_parameters_become_route_values()
    {
        var match = ServingRoutes.Match("POST", new PathString("/v2/models/adult-income/infer"), out _);

        Assert.Equal("ModelInfer", match?.Route.Function.Name);
        Assert.Equal("adult-income", match!.RouteValues["model"]);
    }

    [Fact]
    public void Complex_segment_splits_the_parameter_from_the_literal_suffix()
    {
        var match = ServingRoutes.Match("POST", new PathString("/v1/models/adult-income:predict"), out _);

        Assert.Equal("Predict", match?.Route.Function.Name);
        Assert.Equal("adult-income", match!.RouteValues["model"]);
    }

    [Fact]
    public void Complex_segment_does_not_match_without_its_literal()
    {
        Assert.Null(ServingRoutes.Match("POST", new PathString("/v1/models/adult-income"), out _));
    }

    [Theory]
    [InlineData("/v2/models/m/versions/7", "7")]
    [InlineData("/v2/models/m/versions", null)]
    public void Optional_parameter_may_be_left_out(string path, string? version)
    {
        var match = ServingRoutes.Match("GET", new PathString(path), out _);

        Assert.Equal("ModelMetadata", match?.Route.Function.Name);
        Assert.Equal(version, match!.RouteValues.GetValueOrDefault("version"));
    }

    [Fact]
    public void Default_value_fills_a_missing_parameter_and_constraint_refuses_bad_values()
    {
        Assert.Equal("1", ServingRoutes.Match("GET", new PathString("/items"), out _)?.RouteValues["page"]);
        Assert.Equal("3", ServingRoutes.Match("GET", new PathString("/items/3"), out _)?.RouteValues["page"]);
        Assert.Null(ServingRoutes.Match("GET", new PathString("/items/three"), out _));
    }

    [Fact]
    public void Catch_all_takes_the_rest_of_the_path()
    {
        var match = ServingRoutes.Match("DELETE", new PathString("/management/models/m/versions/2"), out _);

        Assert.Equal("Management", match?.Route.Function.Name);
        Assert.Equal("models/m/versions/2", match!.RouteValues["rest"]);
        Assert.Equal(AuthorizationLevel.Admin, match.Route.AuthLevel);
    }

    [Fact]
    public void Wrong_method_does_not_match_but_is_told_apart_from_an_unknown_path()
    {
        Assert.Null(ServingRoutes.Match("POST", new PathString("/v2/health/live"), out bool pathMatched));
        Assert.True(pathMatched);
        Assert.Null(ServingRoutes.Match("GET", new PathString("/v3/nothing"), out bool unknownMatched));
        Assert.False(unknownMatched);
    }

    [Fact]
    public void Matching_ignores_case_of_literals_and_methods()
    {
        Assert.Equal("HealthLive", ServingRoutes.Match("get", new PathString("/V2/Health/LIVE"), out _)?.Route.Function.Name);
    }

    [Fact]
    public void Literal_route_wins_over_a_parameter_in_the_same_place()
    {
        var table = HttpRouteTable.Build(
            [TestFunctions.Http("ByName", "v2/models/{model}", "Function", "get"), TestFunctions.Http("Special", "v2/models/special", "Function", "get")],
            "");

        Assert.Equal("Special", table.Match("GET", new PathString("/v2/models/special"), out _)?.Route.Function.Name);
        Assert.Equal("ByName", table.Match("GET", new PathString("/v2/models/other"), out _)?.Route.Function.Name);
    }

    [Fact]
    public void Route_prefix_is_put_before_every_route_and_function_name_is_the_default_route()
    {
        var table = HttpRouteTable.Build([TestFunctions.Http("Echo", null, "Anonymous")], "api");

        Assert.Equal("api/Echo", table.Routes.Single().Template);
        Assert.NotNull(table.Match("PATCH", new PathString("/api/echo"), out _));
        Assert.Null(table.Match("GET", new PathString("/echo"), out _));
    }

    [Fact]
    public void Unparsable_route_is_reported_and_left_out()
    {
        var problems = new List<string>();
        var table = HttpRouteTable.Build(
            [TestFunctions.Http("Broken", "v2/{model", "Anonymous"), TestFunctions.Http("Fine", "ok", "Anonymous")],
            "",
            (function, error) => problems.Add(function.Name + ": " + error));

        Assert.Equal(["Fine"], table.Routes.Select(r => r.Function.Name));
        Assert.Single(problems, p => p.StartsWith("Broken: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_auth_level_is_an_error_naming_the_function()
    {
        var problems = new List<string>();
        HttpRouteTable.Build([TestFunctions.Http("Odd", "odd", "Superuser")], "", (f, e) => problems.Add(e));

        Assert.Contains("Odd", Assert.Single(problems), StringComparison.Ordinal);
    }
}
