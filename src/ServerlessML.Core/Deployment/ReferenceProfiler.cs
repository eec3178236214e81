using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Deployment;

/// <summary>
/// Profiles reference.csv (a header row, one column per feature, optional label column) into a
/// <see cref="ReferenceProfile"/>. With manifest features, every feature must have a column and takes
/// its type from the manifest; without, the graph's per-column inputs give the types and any other
/// column is numeric when all its values are numbers.
/// </summary>
public static class ReferenceProfiler
{
    private static readonly string[] NumericMissing = ["NA", "NaN", "null", "N/A"];

    public static ReferenceProfile Profile(string model, string version, string csvPath, ModelManifest? manifest, ModelSignature signature,
        int maxRows, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        ArgumentNullException.ThrowIfNull(signature);
        string sha256;
        using (var file = File.OpenRead(csvPath))
        {
            sha256 = Convert.ToHexStringLower(SHA256.HashData(file));
        }

        using var text = new StreamReader(csvPath, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var csv = new CsvRecordReader(text);
        List<string> header;
        try
        {
            header = csv.Read() ?? throw Refused($"{ModelPackage.ReferenceFileName} is empty: expected a header row of column names, then one row per example.");
        }
        catch (InvalidDataException e)
        {
            throw Refused($"{ModelPackage.ReferenceFileName} is not valid CSV: {e.Message}", e);
        }

        var plan = Plan(header, manifest, signature);
        var columns = plan.Select(p => new ColumnAccumulator(p.Name, p.Role, p.Type)).ToArray();
        long rows = 0;
        try
        {
            while (csv.Read() is { } record)
            {
                if (record.Count != header.Count)
                {
                    throw Refused($"{ModelPackage.ReferenceFileName} line {csv.LineNumber} has {record.Count} fields, but the header has {header.Count}.");
                }

                if (++rows > maxRows)
                {
                    throw Refused($"{ModelPackage.ReferenceFileName} has more than the limit of {maxRows} rows: a drift baseline needs a representative sample, so sample it down.");
                }

                for (int i = 0; i < columns.Length; i++)
                {
                    columns[i].Add(record[plan[i].Index], csv.LineNumber);
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw Refused($"{ModelPackage.ReferenceFileName} is not valid CSV: {e.Message}", e);
        }

        if (rows == 0)
        {
            throw Refused($"{ModelPackage.ReferenceFileName} has a header but no rows: add the reference examples below it.");
        }

        var numeric = new Dictionary<string, IReadOnlyList<double?>>(StringComparer.Ordinal);
        var categorical = new Dictionary<string, IReadOnlyList<string?>>(StringComparer.Ordinal);
        var empty = new List<string>();
        foreach (var column in columns)
        {
            if (!column.Numeric)
            {
                categorical[column.Name] = column.Categories();
            }
            else if (column.HasNumber)
            {
                numeric[column.Name] = column.Numbers();
            }
            else
            {
                empty.Add(column.Name);
            }
        }

        var profile = new ReferenceProfile(Monitoring.ReferenceProfile.Build(numeric, categorical))
        {
            Model = model,
            Version = version,
            Sha256 = sha256,
            Rows = rows,
            CreatedUtc = (time ?? TimeProvider.System).GetUtcNow(),
            Features = columns.Where(c => c.Role == ColumnRole.Feature).Select(c => c.Name).ToList(),
            Context = columns.Where(c => c.Role == ColumnRole.Context).Select(c => c.Name).ToList(),
            Label = columns.FirstOrDefault(c => c.Role == ColumnRole.Label) is { } label
                ? new ReferenceLabel(label.Name, label.Numeric ? ColumnKinds.Numeric : ColumnKinds.Categorical)
                : null,
            IgnoredColumns = header.Where(h => plan.TrueForAll(p => p.Name != h)).ToList(),
            EmptyColumns = empty,
        };
        return profile;
    }

    private enum ColumnRole
    {
        Feature,
        Label,
        Context,
    }

    private sealed record ColumnPlan(string Name, int Index, ColumnRole Role, string? Type);

    /// <summary>Which columns are profiled, as what, with which type (null: inferred from the values).</summary>
    private static List<ColumnPlan> Plan(List<string> header, ModelManifest? manifest, ModelSignature signature)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Count; i++)
        {
            if (header[i].Length == 0)
            {
                throw Refused($"{ModelPackage.ReferenceFileName} column {i + 1} has an empty name in the header row.");
            }

            if (!index.TryAdd(header[i], i))
            {
                throw Refused($"{ModelPackage.ReferenceFileName} has the column '{header[i]}' twice in its header row.");
            }
        }

        string? labelColumn = manifest?.LabelColumn;
        var plan = new List<ColumnPlan>();
        if (manifest?.Features is { Count: > 0 } features)
        {
            var missing = features.Where(f => !index.ContainsKey(f.Name)).Select(f => $"'{f.Name}'").ToList();
            if (missing.Count > 0)
            {
                throw Refused($"{ModelPackage.ReferenceFileName} has no column for feature(s) {string.Join(", ", missing)}: its columns are {string.Join(", ", header.Select(h => $"'{h}'"))}; give one column per manifest feature.");
            }

            plan.AddRange(features.Select(f => new ColumnPlan(f.Name, index[f.Name], ColumnRole.Feature, f.Type)));
        }
        else
        {
            foreach (string column in header.Where(h => h != labelColumn))
            {
                plan.Add(new ColumnPlan(column, index[column], ColumnRole.Feature, signature.FindInput(column)?.DataType is { } type ? TypeOf(type) : null));
            }
        }

        if (labelColumn is not null && index.TryGetValue(labelColumn, out int label))
        {
            string? type = manifest!.Task switch
            {
                ModelTasks.Regression => FeatureTypes.Float,
                ModelTasks.BinaryClassification or ModelTasks.MulticlassClassification => FeatureTypes.String,
                _ => null,
            };
            plan.Add(new ColumnPlan(labelColumn, label, ColumnRole.Label, type));
        }

        foreach (string sensitive in manifest?.SensitiveFeatures ?? [])
        {
            if (plan.TrueForAll(p => p.Name != sensitive) && index.TryGetValue(sensitive, out int i))
            {
                plan.Add(new ColumnPlan(sensitive, i, ColumnRole.Context, FeatureTypes.String));
            }
        }

        return plan;
    }

    private static string? TypeOf(TensorDataType type) =>
        FeatureTypes.All.FirstOrDefault(t => ManifestValidation.FeatureTypeFits(t, type));

    private static DeploymentRefusedException Refused(string message, Exception? inner = null) => new(DeploymentSteps.ReferenceProfile, message, inner);

    /// <summary>
    /// Collects one column's values as read (memory is bounded by the row limit); the statistics are the
    /// Monitoring library's, built from these values in one place.
    /// </summary>
    private sealed class ColumnAccumulator(string name, ColumnRole role, string? type)
    {
        private readonly List<double?> _numbers = [];
        private readonly List<string?> _texts = [];
        private bool _allNumeric = true;

        public string Name => name;

        public ColumnRole Role => role;

        public bool Numeric => type is null ? _allNumeric : FeatureTypes.IsNumeric(type);

        public bool HasNumber => _numbers.Exists(n => n.HasValue);

        public void Add(string value, long line)
        {
            if (value.Length == 0)
            {
                _numbers.Add(null);
                _texts.Add(null);
                return;
            }

            bool isNumber = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number);
            if (type is not null && FeatureTypes.IsNumeric(type))
            {
                if (NumericMissing.Contains(value, StringComparer.OrdinalIgnoreCase) || (isNumber && double.IsNaN(number)))
                {
                    _numbers.Add(null);
                    return;
                }

                if (!isNumber || double.IsInfinity(number))
                {
                    throw Refused($"{ModelPackage.ReferenceFileName} line {line}, column '{name}': '{Truncate(value)}' is not a number, but the feature is {type}.");
                }

                _numbers.Add(number);
                return;
            }

            if (type is null && _allNumeric)
            {
                if (isNumber && !double.IsNaN(number) && !double.IsInfinity(number))
                {
                    _numbers.Add(number);
                }
                else
                {
                    _allNumeric = false;
                }
            }

            _texts.Add(type == FeatureTypes.Bool ? value.ToLowerInvariant() : value);
        }

        public IReadOnlyList<double?> Numbers() => _numbers;

        public IReadOnlyList<string?> Categories() => _texts;

        private static string Truncate(string text) => text.Length <= 40 ? text : text[..37] + "...";
    }
}
