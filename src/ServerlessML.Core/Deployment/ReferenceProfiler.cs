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

        var profile = new ReferenceProfile
        {
            Model = model,
            Version = version,
            Sha256 = sha256,
            Rows = rows,
            CreatedUtc = (time ?? TimeProvider.System).GetUtcNow(),
            IgnoredColumns = header.Where(h => plan.TrueForAll(p => p.Name != h)).ToList(),
        };
        foreach (var column in columns)
        {
            var result = column.ToProfile();
            switch (column.Role)
            {
                case ColumnRole.Feature:
                    profile.Features[column.Name] = result;
                    break;
                case ColumnRole.Label:
                    profile.Label = result;
                    break;
                default:
                    profile.Context[column.Name] = result;
                    break;
            }
        }

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

    /// <summary>Collects one column's values: numbers for a numeric column, counts for a categorical one.</summary>
    private sealed class ColumnAccumulator(string name, ColumnRole role, string? type)
    {
        private readonly List<double> _numbers = [];
        private readonly Dictionary<string, long> _categories = new(StringComparer.Ordinal);
        private long _missing;
        private bool _allNumeric = true;

        public string Name => name;

        public ColumnRole Role => role;

        private bool Numeric => type is null ? _allNumeric : FeatureTypes.IsNumeric(type);

        public void Add(string value, long line)
        {
            if (value.Length == 0)
            {
                _missing++;
                return;
            }

            bool isNumber = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number);
            if (type is not null && FeatureTypes.IsNumeric(type))
            {
                if (NumericMissing.Contains(value, StringComparer.OrdinalIgnoreCase) || (isNumber && double.IsNaN(number)))
                {
                    _missing++;
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

            string key = type == FeatureTypes.Bool ? value.ToLowerInvariant() : value;
            _categories[key] = _categories.GetValueOrDefault(key) + 1;
        }

        public ColumnProfile ToProfile()
        {
            if (Numeric)
            {
                return NumericProfile();
            }

            return new ColumnProfile
            {
                Column = name,
                Kind = ColumnKinds.Categorical,
                Type = type ?? FeatureTypes.String,
                Count = _categories.Values.Sum(),
                Missing = _missing,
                Categories = _categories.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal),
            };
        }

        private ColumnProfile NumericProfile()
        {
            var profile = new ColumnProfile { Column = name, Kind = ColumnKinds.Numeric, Type = type ?? FeatureTypes.Float, Count = _numbers.Count, Missing = _missing };
            if (_numbers.Count == 0)
            {
                return profile;
            }

            var sorted = _numbers.ToArray();
            Array.Sort(sorted);
            double mean = 0;
            double m2 = 0;
            for (int i = 0; i < sorted.Length; i++)
            {
                // Welford's update: stable for large values such as Adult's fnlwgt.
                double delta = sorted[i] - mean;
                mean += delta / (i + 1);
                m2 += delta * (sorted[i] - mean);
            }

            profile.Mean = mean;
            profile.Std = sorted.Length > 1 ? Math.Sqrt(m2 / (sorted.Length - 1)) : 0;
            profile.Min = sorted[0];
            profile.Max = sorted[^1];
            profile.Deciles = Enumerable.Range(1, 9).Select(d => Quantile(sorted, d / 10.0)).ToArray();
            var bins = new BinCounts { Edges = profile.Deciles.Distinct().ToArray() };
            bins.Counts = new long[bins.Edges.Length + 1];
            foreach (double value in sorted)
            {
                bins.Counts[bins.BinOf(value)]++;
            }

            profile.Bins = bins;
            return profile;
        }

        /// <summary>The p-quantile by linear interpolation between order statistics (NumPy's default).</summary>
        private static double Quantile(double[] sorted, double p)
        {
            double h = (sorted.Length - 1) * p;
            int lo = (int)Math.Floor(h);
            int hi = Math.Min(lo + 1, sorted.Length - 1);
            return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
        }

        private static string Truncate(string text) => text.Length <= 40 ? text : text[..37] + "...";
    }
}
