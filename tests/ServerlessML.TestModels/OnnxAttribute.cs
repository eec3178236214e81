using System.Text;
using Google.Protobuf;
using ServerlessML.Testing.Onnx.Proto;

namespace ServerlessML.Testing.Onnx;

/// <summary>A named node attribute (<c>AttributeProto</c>) with its type discriminator set, as IR version 2+ requires.</summary>
public sealed class OnnxAttribute
{
    private readonly AttributeProto proto;

    private OnnxAttribute(AttributeProto proto) => this.proto = proto;

    public string Name => proto.Name;

    public static OnnxAttribute Int(string name, long value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    public static OnnxAttribute Float(string name, float value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    public static OnnxAttribute String(string name, string value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFrom(value, Encoding.UTF8) });

    public static OnnxAttribute Ints(string name, params long[] values)
    {
        var proto = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        proto.Ints.Add(values);
        return new(proto);
    }

    public static OnnxAttribute Floats(string name, params float[] values)
    {
        var proto = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        proto.Floats.Add(values);
        return new(proto);
    }

    public static OnnxAttribute Strings(string name, params string[] values)
    {
        var proto = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        proto.Strings.Add(values.Select(value => ByteString.CopyFrom(value, Encoding.UTF8)));
        return new(proto);
    }

    internal AttributeProto ToProto() => proto.Clone();
}
