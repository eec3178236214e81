using System.Globalization;
using Microsoft.ML.Data;

namespace AdultIncome.Training;

/// <summary>
/// The 14 features of one person in UCI Adult. The column names are the ONNX input names, so they use
/// '_' where the data set's documentation uses '-'. The order is the order of the ONNX inputs.
/// </summary>
public class AdultFeatures
{
    /// <summary>The numeric features, in input order; each an FP32 input of shape [-1, 1].</summary>
    public static IReadOnlyList<(string Name, Func<AdultFeatures, float> Value)> NumericColumns { get; } =
    [
        ("age", row => row.Age),
        ("fnlwgt", row => row.Fnlwgt),
        ("education_num", row => row.EducationNum),
        ("capital_gain", row => row.CapitalGain),
        ("capital_loss", row => row.CapitalLoss),
        ("hours_per_week", row => row.HoursPerWeek),
    ];

    /// <summary>The categorical features, in input order; each a string input of shape [-1, 1], one-hot encoded by the model.</summary>
    public static IReadOnlyList<(string Name, Func<AdultFeatures, string> Value)> CategoricalColumns { get; } =
    [
        ("workclass", row => row.Workclass),
        ("education", row => row.Education),
        ("marital_status", row => row.MaritalStatus),
        ("occupation", row => row.Occupation),
        ("relationship", row => row.Relationship),
        ("race", row => row.Race),
        ("sex", row => row.Sex),
        ("native_country", row => row.NativeCountry),
    ];

    /// <summary>All 14 feature names in the order of the properties below, which is the order of the ONNX inputs.</summary>
    public static IReadOnlyList<string> ColumnOrder { get; } =
    [
        "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
        "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
    ];

    public static bool IsNumeric(string column) => NumericColumns.Any(numeric => numeric.Name == column);

    /// <summary>The value of <paramref name="column"/>: a float for a numeric feature, a string for a categorical one.</summary>
    public object ValueOf(string column) =>
        NumericColumns.Where(numeric => numeric.Name == column).Select(numeric => (object)numeric.Value(this)).FirstOrDefault()
        ?? CategoricalColumns.Where(categorical => categorical.Name == column).Select(categorical => categorical.Value(this)).FirstOrDefault()
        ?? throw new ArgumentOutOfRangeException(nameof(column), column, "Not a UCI Adult feature.");

    [ColumnName("age")] public float Age { get; set; }

    [ColumnName("workclass")] public string Workclass { get; set; } = "";

    [ColumnName("fnlwgt")] public float Fnlwgt { get; set; }

    [ColumnName("education")] public string Education { get; set; } = "";

    [ColumnName("education_num")] public float EducationNum { get; set; }

    [ColumnName("marital_status")] public string MaritalStatus { get; set; } = "";

    [ColumnName("occupation")] public string Occupation { get; set; } = "";

    [ColumnName("relationship")] public string Relationship { get; set; } = "";

    [ColumnName("race")] public string Race { get; set; } = "";

    [ColumnName("sex")] public string Sex { get; set; } = "";

    [ColumnName("capital_gain")] public float CapitalGain { get; set; }

    [ColumnName("capital_loss")] public float CapitalLoss { get; set; }

    [ColumnName("hours_per_week")] public float HoursPerWeek { get; set; }

    [ColumnName("native_country")] public string NativeCountry { get; set; } = "";
}

/// <summary>A row of adult.data: the features and whether the income is over 50K.</summary>
public sealed class AdultRecord : AdultFeatures
{
    public const string LabelColumn = "income_over_50k";

    [ColumnName(LabelColumn)] public bool IncomeOver50K { get; set; }

    /// <summary>
    /// Reads adult.data: comma-separated, a space after each comma, no header. A missing value (written
    /// "MissingValue" in this copy, "?" in the UCI original) stays a category of its own, as a client would send it.
    /// </summary>
    public static List<AdultRecord> ReadAll(string path)
    {
        var records = new List<AdultRecord>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length != 15)
            {
                throw new InvalidDataException($"{path}:{lineNumber} has {fields.Length} fields; a UCI Adult row has 15 (14 features and the income).");
            }

            records.Add(new AdultRecord
            {
                Age = Number(fields[0]),
                Workclass = fields[1],
                Fnlwgt = Number(fields[2]),
                Education = fields[3],
                EducationNum = Number(fields[4]),
                MaritalStatus = fields[5],
                Occupation = fields[6],
                Relationship = fields[7],
                Race = fields[8],
                Sex = fields[9],
                CapitalGain = Number(fields[10]),
                CapitalLoss = Number(fields[11]),
                HoursPerWeek = Number(fields[12]),
                NativeCountry = fields[13],
                IncomeOver50K = fields[14] switch
                {
                    ">50K" => true,
                    "<=50K" => false,
                    var other => throw new InvalidDataException($"{path}:{lineNumber} has income '{other}'; expected '>50K' or '<=50K'."),
                },
            });

            float Number(string field) =>
                float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new InvalidDataException($"{path}:{lineNumber} has '{field}' where a number should be.");
        }

        return records;
    }

    public AdultFeatures FeaturesOnly() => new()
    {
        Age = Age,
        Workclass = Workclass,
        Fnlwgt = Fnlwgt,
        Education = Education,
        EducationNum = EducationNum,
        MaritalStatus = MaritalStatus,
        Occupation = Occupation,
        Relationship = Relationship,
        Race = Race,
        Sex = Sex,
        CapitalGain = CapitalGain,
        CapitalLoss = CapitalLoss,
        HoursPerWeek = HoursPerWeek,
        NativeCountry = NativeCountry,
    };
}

/// <summary>What the trained model adds to a row.</summary>
public sealed class AdultPrediction
{
    public bool PredictedLabel { get; set; }

    public float Score { get; set; }

    public float Probability { get; set; }
}
