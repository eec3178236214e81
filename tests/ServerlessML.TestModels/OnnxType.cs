using ServerlessML.Testing.Onnx.Proto;

namespace ServerlessML.Testing.Onnx;

/// <summary>The type of a graph input or output: a tensor, a sequence, or a map (as in <c>TypeProto</c>).</summary>
public abstract class OnnxType
{
    private protected OnnxType()
    {
    }

    /// <summary>A tensor of <paramref name="elementType"/>; an empty shape means a scalar.</summary>
    public static OnnxType Tensor(OnnxDataType elementType, params OnnxDim[] shape) => new TensorType(elementType, shape);

    /// <summary>A tensor whose rank is not stated (no <c>shape</c> field), as scikit-learn's ZipMap outputs declare map values.</summary>
    public static OnnxType TensorOfAnyShape(OnnxDataType elementType) => new TensorType(elementType, shape: null);

    public static OnnxType Sequence(OnnxType elementType) => new SequenceType(elementType);

    /// <summary>A map; ONNX allows only integer or string keys.</summary>
    public static OnnxType Map(OnnxDataType keyType, OnnxType valueType) => new MapType(keyType, valueType);

    internal abstract TypeProto ToProto();

    private sealed class TensorType(OnnxDataType elementType, OnnxDim[]? shape) : OnnxType
    {
        private readonly OnnxDim[]? shape = shape is null ? null : [.. shape];

        internal override TypeProto ToProto()
        {
            var tensor = new TypeProto.Types.Tensor { ElemType = (int)elementType };
            if (shape is null)
            {
                return new TypeProto { TensorType = tensor };
            }

            var protoShape = new TensorShapeProto();
            foreach (var dim in shape)
            {
                var protoDim = new TensorShapeProto.Types.Dimension();
                if (dim.Size is { } size)
                {
                    protoDim.DimValue = size;
                }
                else if (dim.Symbol is { } symbol)
                {
                    protoDim.DimParam = symbol;
                }

                protoShape.Dim.Add(protoDim);
            }

            tensor.Shape = protoShape;
            return new TypeProto { TensorType = tensor };
        }
    }

    private sealed class SequenceType(OnnxType elementType) : OnnxType
    {
        internal override TypeProto ToProto() =>
            new() { SequenceType = new TypeProto.Types.Sequence { ElemType = elementType.ToProto() } };
    }

    private sealed class MapType : OnnxType
    {
        private readonly OnnxDataType keyType;
        private readonly OnnxType valueType;

        public MapType(OnnxDataType keyType, OnnxType valueType)
        {
            if (keyType is OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.Double or OnnxDataType.Bool)
            {
                throw new ArgumentException($"An ONNX map key must be an integer type or String, not {keyType}.", nameof(keyType));
            }

            this.keyType = keyType;
            this.valueType = valueType;
        }

        internal override TypeProto ToProto() =>
            new() { MapType = new TypeProto.Types.Map { KeyType = (int)keyType, ValueType = valueType.ToProto() } };
    }
}
