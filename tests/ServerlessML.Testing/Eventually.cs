namespace ServerlessML.Testing;

/// <summary>
/// Waits for something that happens asynchronously (a blob trigger, a timer) by polling. The timeout
/// only bounds a hung test; it is not what the test asserts.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="probe"/> until it returns a value; throws naming <paramref name="what"/> when it never does.</summary>
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        using var limit = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            if (await probe().ConfigureAwait(false) is { } value)
            {
                return value;
            }

            try
            {
                await Task.Delay(100, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Gave up waiting for {what}.");
            }
        }
    }

    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return GetAsync<object>(async () => await condition().ConfigureAwait(false) ? new object() : null, what, timeout);
    }
}
