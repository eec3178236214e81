using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost.Http;

/// <summary>An HTTP-triggered function's route: template (with the host's route prefix), methods and auth level.</summary>
public sealed class HttpRoute
{
    private readonly TemplateMatcher _matcher;
    private readonly IReadOnlyList<(string Parameter, IRouteConstraint Constraint)> _constraints;

    internal HttpRoute(FunctionDescriptor function, string template, RouteTemplate parsed, IReadOnlyList<(string, IRouteConstraint)> constraints, IReadOnlySet<string>? methods, AuthorizationLevel authLevel)
    {
        Function = function;
        Template = template;
        Methods = methods;
        AuthLevel = authLevel;
        _constraints = constraints;
        var defaults = new RouteValueDictionary();
        foreach (var parameter in parsed.Parameters)
        {
            if (parameter.DefaultValue is not null)
            {
                defaults[parameter.Name!] = parameter.DefaultValue;
            }
        }

        _matcher = new TemplateMatcher(parsed, defaults);
        Precedence = RoutePrecedence.ComputeInbound(parsed);
    }

    public FunctionDescriptor Function { get; }

    /// <summary>The full template matched against request paths, e.g. "v1/models/{model}:predict".</summary>
    public string Template { get; }

    /// <summary>Upper-case methods; null when the function accepts every method.</summary>
    public IReadOnlySet<string>? Methods { get; }

    public AuthorizationLevel AuthLevel { get; }

    /// <summary>ASP.NET Core's inbound precedence: lower is more specific (literals before parameters).</summary>
    internal decimal Precedence { get; }

    internal bool TryMatch(PathString path, out RouteValueDictionary values)
    {
        values = new RouteValueDictionary();
        if (!_matcher.TryMatch(path, values))
        {
            return false;
        }

        foreach (var (parameter, constraint) in _constraints)
        {
            if (!constraint.Match(httpContext: null, route: null, parameter, values, RouteDirection.IncomingRequest))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The outcome of matching a request against the route table.</summary>
public sealed record HttpRouteMatch(HttpRoute Route, IReadOnlyDictionary<string, string> RouteValues);

/// <summary>
/// Maps request paths to HTTP-triggered functions by their route templates, with ASP.NET Core's
/// template syntax and matching (optional and default values, constraints, catch-all, complex segments
/// such as <c>{model}:predict</c>), as the Functions host does. Routes are tried most specific first.
/// </summary>
public sealed class HttpRouteTable
{
    private static readonly IInlineConstraintResolver ConstraintResolver =
        new DefaultInlineConstraintResolver(Options.Create(new RouteOptions()), new ServiceCollection().BuildServiceProvider());

    private HttpRouteTable(IReadOnlyList<HttpRoute> routes, string routePrefix)
    {
        Routes = routes;
        RoutePrefix = routePrefix;
    }

    public static HttpRouteTable Empty { get; } = new([], "api");

    public IReadOnlyList<HttpRoute> Routes { get; }

    public string RoutePrefix { get; }

    /// <summary>
    /// Builds the table for the HTTP-triggered functions; a function whose route cannot be parsed is
    /// left out and reported to <paramref name="onInvalidRoute"/>.
    /// </summary>
    public static HttpRouteTable Build(IEnumerable<FunctionDescriptor> functions, string routePrefix, Action<FunctionDescriptor, string>? onInvalidRoute = null)
    {
        ArgumentNullException.ThrowIfNull(functions);
        string prefix = (routePrefix ?? "").Trim('/');
        var routes = new List<HttpRoute>();
        foreach (var function in functions.Where(f => f.Kind == TriggerKind.Http))
        {
            try
            {
                routes.Add(CreateRoute(function, prefix));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException)
            {
                onInvalidRoute?.Invoke(function, e.Message);
            }
        }

        return new HttpRouteTable(
            routes.OrderBy(r => r.Precedence).ThenBy(r => r.Template, StringComparer.OrdinalIgnoreCase).ToList(),
            prefix);
    }

    /// <summary>
    /// The first route whose template and method match; <paramref name="pathMatched"/> tells whether
    /// some route matched the path with another method.
    /// </summary>
    public HttpRouteMatch? Match(string method, PathString path, out bool pathMatched)
    {
        pathMatched = false;
        foreach (var route in Routes)
        {
            if (!route.TryMatch(path, out var values))
            {
                continue;
            }

            if (route.Methods is not null && !route.Methods.Contains(method.ToUpperInvariant()))
            {
                pathMatched = true;
                continue;
            }

            var routeValues = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in values)
            {
                if (value is not null && Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) is { } text)
                {
                    routeValues[name] = text;
                }
            }

            return new HttpRouteMatch(route, routeValues);
        }

        return null;
    }

    private static HttpRoute CreateRoute(FunctionDescriptor function, string prefix)
    {
        string route = (function.TriggerProperty("route") is { Length: > 0 } r ? r : function.Name).Trim('/');
        string template = prefix.Length == 0 ? route : route.Length == 0 ? prefix : $"{prefix}/{route}";
        var parsed = TemplateParser.Parse(template);
        var constraints = new List<(string, IRouteConstraint)>();
        foreach (var parameter in parsed.Parameters)
        {
            foreach (var inline in parameter.InlineConstraints)
            {
                var constraint = ConstraintResolver.ResolveConstraint(inline.Constraint)
                    ?? throw new InvalidDataException($"Function '{function.Name}': route constraint '{inline.Constraint}' of '{{{parameter.Name}}}' is unknown.");
                constraints.Add((parameter.Name!, constraint));
            }
        }

        IReadOnlySet<string>? methods = function.TriggerToken("methods") is Newtonsoft.Json.Linq.JArray list && list.Count > 0
            ? list.Select(m => ((string?)m ?? "").ToUpperInvariant()).ToHashSet(StringComparer.Ordinal)
            : null;
        var authLevel = AuthorizationLevels.Parse(function.TriggerProperty("authLevel"), function.Name);
        return new HttpRoute(function, template, parsed, constraints, methods, authLevel);
    }
}
