using ServerlessML.DevHost.Blobs;
using ServerlessML.Testing;

namespace ServerlessML.DevHost.Tests;

/// <summary>Receipts and the poison queue against Azurite.</summary>
public sealed class BlobReceiptsTests
{
    private static async Task<BlobReceipts> NewReceiptsAsync() => new(await TestStorage.ServiceClientAsync(), TestStorage.UniqueName("host"));

    private static BlobDeliveryKey NewKey() => new("DeployModel", "models", $"m/{Guid.NewGuid():N}.onnx", "\"0x8DC0FFEE\"");

    [Fact]
    public async Task Receipt_path_is_the_functions_host_layout()
    {
        var receipts = new BlobReceipts(await TestStorage.ServiceClientAsync(), "myhost");

        Assert.Equal("blobreceipts/myhost/Host.Functions.DeployModel/0x8DC0FFEE/models/m/1.onnx", receipts.ReceiptName(new BlobDeliveryKey("DeployModel", "models", "m/1.onnx", "\"0x8DC0FFEE\"")));
    }

    [Fact]
    public async Task Completed_delivery_cannot_be_claimed_again()
    {
        var receipts = await NewReceiptsAsync();
        var key = NewKey();

        var claim = await receipts.TryClaimAsync(key, CancellationToken.None);
        Assert.NotNull(claim);
        await receipts.CompleteAsync(claim, poisoned: false, CancellationToken.None);
        await claim.DisposeAsync();

        Assert.Null(await receipts.TryClaimAsync(key, CancellationToken.None));
        Assert.Equal(new BlobReceipt(true, 0, false, null), await receipts.ReadAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task Another_etag_of_the_same_blob_is_a_new_delivery()
    {
        var receipts = await NewReceiptsAsync();
        var key = NewKey();
        var claim = await receipts.TryClaimAsync(key, CancellationToken.None);
        await receipts.CompleteAsync(claim!, poisoned: false, CancellationToken.None);
        await claim!.DisposeAsync();

        await using var next = await receipts.TryClaimAsync(key with { ETag = "\"0x8DC0FFEF\"" }, CancellationToken.None);

        Assert.NotNull(next);
    }

    [Fact]
    public async Task Delivery_in_progress_cannot_be_claimed_by_another_host_process()
    {
        var receipts = await NewReceiptsAsync();
        var key = NewKey();

        await using var first = await receipts.TryClaimAsync(key, CancellationToken.None);
        var second = await receipts.TryClaimAsync(key, CancellationToken.None);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.False((await receipts.ReadAsync(key, CancellationToken.None))!.IsCompleted);
    }

    [Fact]
    public async Task Failed_attempts_survive_a_release_and_are_seen_by_the_next_claim()
    {
        var receipts = await NewReceiptsAsync();
        var key = NewKey();
        var claim = await receipts.TryClaimAsync(key, CancellationToken.None);
        await receipts.RecordFailureAsync(claim!, 2, "InvalidOperationException: bad model", CancellationToken.None);
        await claim!.DisposeAsync();

        await using var again = await receipts.TryClaimAsync(key, CancellationToken.None);

        Assert.Equal(new BlobReceipt(false, 2, false, "InvalidOperationException: bad model"), again!.Receipt);
    }

    [Fact]
    public async Task Poisoned_delivery_is_completed_and_listed_in_the_poison_queue()
    {
        var receipts = await NewReceiptsAsync();
        var poison = new PoisonBlobQueue(await TestStorage.ConnectionStringAsync());
        var key = NewKey();
        var claim = await receipts.TryClaimAsync(key, CancellationToken.None);
        await receipts.RecordFailureAsync(claim!, 5, "still failing", CancellationToken.None);
        await poison.AddAsync(key, CancellationToken.None);
        await receipts.CompleteAsync(claim!, poisoned: true, CancellationToken.None);
        await claim!.DisposeAsync();

        Assert.Equal(new BlobReceipt(true, 5, true, "still failing"), await receipts.ReadAsync(key, CancellationToken.None));
        Assert.Contains(await poison.PeekAsync(CancellationToken.None), m => m.BlobName == key.BlobName && m.FunctionId == "Host.Functions.DeployModel" && m.ETag == key.ETag);
    }

    [Fact]
    public async Task Error_text_is_stored_in_header_safe_form()
    {
        var receipts = await NewReceiptsAsync();
        var key = NewKey();
        await using var claim = await receipts.TryClaimAsync(key, CancellationToken.None);

        await receipts.RecordFailureAsync(claim!, 1, "Modèle\ninvalide " + new string('x', 2000), CancellationToken.None);

        string stored = (await receipts.ReadAsync(key, CancellationToken.None))!.LastError!;
        Assert.StartsWith("Mod le invalide x", stored, StringComparison.Ordinal);
        Assert.Equal(512, stored.Length);
    }
}
