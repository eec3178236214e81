return await ServerlessML.DevHost.DevHostCommand.RunAsync(args).ConfigureAwait(false);
