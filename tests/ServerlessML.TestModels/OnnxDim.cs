namespace ServerlessML.Testing.Onnx;

/// <summary>
/// One dimension of a tensor shape: a fixed size, a named symbolic size (e.g. "batch"), or unknown.
/// ONNX Runtime reports both symbolic and unknown dimensions as -1.
/// </summary>
public readonly record struct OnnxDim
{
    private OnnxDim(long? size, string? symbol)
    {
        Size = size;
        Symbol = symbol;
    }

    /// <summary>A dimension with neither a size nor a name.</summary>
    public static OnnxDim Unknown { get; } = new(null, null);

    public long? Size { get; }

    public string? Symbol { get; }

    public static OnnxDim Fixed(long size) =>
        size >= 0 ? new(size, null) : throw new ArgumentOutOfRangeException(nameof(size), size, "A fixed dimension must be 0 or more; use a symbol or OnnxDim.Unknown for a variable one.");

    public static OnnxDim Symbolic(string symbol) =>
        string.IsNullOrEmpty(symbol) ? throw new ArgumentException("A symbolic dimension needs a name.", nameof(symbol)) : new(null, symbol);

    public static implicit operator OnnxDim(long size) => Fixed(size);

    public static implicit operator OnnxDim(string symbol) => Symbolic(symbol);

    public override string ToString() => Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
