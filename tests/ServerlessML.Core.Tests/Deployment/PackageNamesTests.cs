using ServerlessML.Deployment;
using ServerlessML.Registry;

namespace ServerlessML.Tests.Deployment;

public class PackageNamesTests
{
    [Theory]
    [InlineData("adult-income/1.onnx", "adult-income", "1", PackageKind.Onnx)]
    [InlineData("m/2024.06.01-rc_1.zip", "m", "2024.06.01-rc_1", PackageKind.Zip)]
    [InlineData("m/v1.onnx.zip", "m", "v1.onnx", PackageKind.Zip)]
    public void Allowed_blob_names_split_into_model_version_and_kind(string blobName, string model, string version, PackageKind kind)
    {
        Assert.True(UploadName.TryParse(blobName, out var name, out _, out _));
        Assert.Equal(new UploadName(model, version, kind), name);
    }

    [Theory]
    [InlineData("1.onnx", null, "not inside a model folder")]
    [InlineData("Bad_Name/1.onnx", null, "Model name 'Bad_Name' is not allowed")]
    [InlineData("m/..onnx", "m", "Version '.'")]
    [InlineData("m/.onnx", "m", "Version ''")]
    [InlineData("m/1.ONNX", "m", "does not end in .onnx or .zip")]
    [InlineData("m/a/../1.onnx", "m", "is in a sub-folder")]
    public void Refused_blob_names_say_why_and_keep_an_allowed_model_name(string blobName, string? model, string reason)
    {
        Assert.False(UploadName.TryParse(blobName, out _, out string? validModel, out string? error));
        Assert.Equal(model, validModel);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Event_names_sort_by_time_and_never_hold_a_refused_name()
    {
        var time = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

        Assert.Equal("m/events/20250304T050607890Z-1.2-promoted.json",
            RegistryEvents.EventPath(new RegistryEvent { Time = time, Model = "m", Version = "1.2", Kind = RegistryEventKinds.Promoted }));
        Assert.Equal("m/events/20250304T050607890Z-_-failed.json",
            RegistryEvents.EventPath(new RegistryEvent { Time = time, Model = "m", Version = "../x", Kind = RegistryEventKinds.Failed }));
        Assert.Equal("_rejected/events/20250304T050607890Z-1-failed.json",
            RegistryEvents.EventPath(new RegistryEvent { Time = time, Model = "../../etc", Version = "1", Kind = RegistryEventKinds.Failed }));
    }

    [Fact]
    public void Csv_reader_follows_rfc_4180()
    {
        var reader = new CsvRecordReader(new StringReader("a, b ,\"c,d\"\r\n\"say \"\"hi\"\"\",\"two\nlines\",\n\nlast"));

        Assert.Equal(["a", "b", "c,d"], reader.Read());
        Assert.Equal(["say \"hi\"", "two\nlines", ""], reader.Read());
        Assert.Equal(2, reader.LineNumber);
        Assert.Equal(["last"], reader.Read());
        Assert.Equal(5, reader.LineNumber);
        Assert.Null(reader.Read());
    }
}
