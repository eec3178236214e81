// DevHost: the project's local Azure Functions host (issue 3). Placeholder entry point.
Console.WriteLine("ServerlessML DevHost: not yet implemented.");
return 1;
