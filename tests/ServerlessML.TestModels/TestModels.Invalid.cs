using System.Text;

namespace ServerlessML.Testing.Onnx;

public static partial class TestModels
{
    /// <summary>Bytes that ONNX Runtime refuses to load, for tests of deployment validation.</summary>
    public static class Invalid
    {
        /// <summary>A blob of zero bytes.</summary>
        public static byte[] Empty() => [];

        /// <summary>The first half of <see cref="DenseNetwork"/>: the cut falls inside the graph field, so parsing fails.</summary>
        public static byte[] Truncated()
        {
            var whole = DenseNetwork.Bytes();
            return whole[..(whole.Length / 2)];
        }

        /// <summary>Text where a model should be, as when someone uploads a CSV file by mistake.</summary>
        public static byte[] NotAModel() => Encoding.UTF8.GetBytes("age,workclass,income\n39,State-gov,<=50K\n");

        /// <summary>A well-formed model whose only node is an operator ai.onnx does not have.</summary>
        public static byte[] UnknownOperator() =>
            new OnnxGraphBuilder("unknown_operator")
                .Input("x", OnnxDataType.Float, BatchDimension, 2)
                .Node("NoSuchOperator", ["x"], ["y"])
                .Output("y", OnnxDataType.Float, BatchDimension, 2)
                .ToBytes();
    }
}
