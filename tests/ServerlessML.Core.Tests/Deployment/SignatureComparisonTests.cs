using ServerlessML.Deployment;
using ServerlessML.Inference;

namespace ServerlessML.Tests.Deployment;

public class SignatureComparisonTests
{
    private static TensorSpec Tensor(string name, TensorDataType type, params long[] shape) =>
        new(name, type, $"tensor({type})", shape, ValueKind.Tensor);

    private static ModelSignature Signature(TensorSpec[] inputs, params TensorSpec[] outputs) => new(inputs, outputs);

    [Fact]
    public void Same_signature_has_no_breaking_change()
    {
        var signature = Signature([Tensor("x", TensorDataType.Fp32, -1, 4)], Tensor("y", TensorDataType.Fp32, -1, 1));

        Assert.Empty(SignatureComparison.BreakingChanges(signature, signature));
    }

    [Fact]
    public void Removed_input_changed_datatype_and_changed_fixed_dimension_are_breaking()
    {
        var production = Signature(
            [Tensor("a", TensorDataType.Fp32, -1, 1), Tensor("b", TensorDataType.Fp32, -1, 1), Tensor("c", TensorDataType.Fp32, -1, 3)],
            Tensor("y", TensorDataType.Fp32, -1, 1));
        var candidate = Signature(
            [Tensor("b", TensorDataType.Fp64, -1, 1), Tensor("c", TensorDataType.Fp32, -1, 4)],
            Tensor("y", TensorDataType.Fp32, -1, 1));

        var changes = SignatureComparison.BreakingChanges(production, candidate);

        Assert.Equal(
        [
            "input 'a' (FP32 [-1, 1]) was removed: requests that send it are refused.",
            "input 'b' changed datatype from FP32 to FP64.",
            "input 'c' changed dimension 1 from 3 to 4 ([-1, 3] to [-1, 4]).",
        ], changes);
    }

    [Fact]
    public void Opening_a_fixed_dimension_is_compatible_and_fixing_an_open_one_is_not()
    {
        var fixedRows = Signature([Tensor("x", TensorDataType.Fp32, 2, 3)], Tensor("y", TensorDataType.Fp32, 2, 3));
        var anyRows = Signature([Tensor("x", TensorDataType.Fp32, -1, 3)], Tensor("y", TensorDataType.Fp32, -1, 3));

        Assert.Empty(SignatureComparison.BreakingChanges(fixedRows, anyRows));
        Assert.Equal(
            ["input 'x' changed dimension 0 from any size to 2 ([-1, 3] to [2, 3]).", "output 'y' changed dimension 0 from any size to 2 ([-1, 3] to [2, 3])."],
            SignatureComparison.BreakingChanges(anyRows, fixedRows));
    }

    [Fact]
    public void Removed_output_and_added_input_are_breaking_but_added_output_is_not()
    {
        var production = Signature([Tensor("x", TensorDataType.Fp32, -1, 3)], Tensor("label", TensorDataType.Int64, -1), Tensor("score", TensorDataType.Fp32, -1));
        var candidate = Signature([Tensor("x", TensorDataType.Fp32, -1, 3), Tensor("z", TensorDataType.Bytes, -1, 1)],
            Tensor("label", TensorDataType.Int64, -1), Tensor("probabilities", TensorDataType.Fp32, -1, 2));

        Assert.Equal(
        [
            "input 'z' (BYTES [-1, 1]) was added: requests that do not send it are refused.",
            "output 'score' (FP32 [-1]) was removed: clients that read it break.",
        ], SignatureComparison.BreakingChanges(production, candidate));
    }

    [Fact]
    public void Signature_survives_its_json_form()
    {
        using var model = OnnxModel.Load("zipmap", "1", ServerlessML.Testing.Onnx.TestModels.ZipMapClassifier.Bytes(), new ServingOptions());
        string json = Newtonsoft.Json.JsonConvert.SerializeObject(SignatureDocument.From(model.Signature));

        var back = Newtonsoft.Json.JsonConvert.DeserializeObject<SignatureDocument>(json)!.ToSignature();

        Assert.Empty(SignatureComparison.BreakingChanges(model.Signature, back));
        Assert.Equal(model.Signature.Outputs.Select(o => (o.Kind, o.MapKeyType, o.OnnxType)), back.Outputs.Select(o => (o.Kind, o.MapKeyType, o.OnnxType)));
    }
}
