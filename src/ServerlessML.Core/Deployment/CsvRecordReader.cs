using System.Text;

namespace ServerlessML.Deployment;

/// <summary>
/// Reads CSV (RFC 4180: comma-separated, fields optionally in double quotes with "" for a quote, line
/// breaks inside quotes allowed, CRLF or LF) one record at a time, without holding the file. Unquoted
/// fields are trimmed, so "a, b" reads as "a" and "b".
/// </summary>
public sealed class CsvRecordReader
{
    private readonly TextReader _reader;
    private readonly StringBuilder _field = new();
    private long _line = 1;

    public CsvRecordReader(TextReader reader) => _reader = reader ?? throw new ArgumentNullException(nameof(reader));

    /// <summary>The line on which the record last returned started (1-based).</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next record; null at the end. Blank lines are skipped.</summary>
    public List<string>? Read()
    {
        while (true)
        {
            int first = _reader.Peek();
            if (first < 0)
            {
                return null;
            }

            if (first is '\r' or '\n')
            {
                ReadLineBreak();
                continue;
            }

            LineNumber = _line;
            return ReadRecord();
        }
    }

    private List<string> ReadRecord()
    {
        var fields = new List<string>();
        while (true)
        {
            fields.Add(ReadField(out bool endOfRecord));
            if (endOfRecord)
            {
                return fields;
            }
        }
    }

    private string ReadField(out bool endOfRecord)
    {
        _field.Clear();
        // Leading spaces before an opening quote are allowed.
        while (_reader.Peek() == ' ')
        {
            _reader.Read();
        }

        if (_reader.Peek() == '"')
        {
            _reader.Read();
            while (true)
            {
                int c = _reader.Read();
                if (c < 0)
                {
                    throw new InvalidDataException($"line {LineNumber}: a quoted field is not closed before the end of the file.");
                }

                if (c == '"')
                {
                    if (_reader.Peek() == '"')
                    {
                        _reader.Read();
                        _field.Append('"');
                        continue;
                    }

                    break;
                }

                if (c == '\n')
                {
                    _line++;
                }

                _field.Append((char)c);
            }

            // After the closing quote only spaces may come before the separator.
            while (_reader.Peek() == ' ')
            {
                _reader.Read();
            }

            endOfRecord = EndOfField(quoted: true);
            return _field.ToString();
        }

        while (true)
        {
            int c = _reader.Peek();
            if (c is < 0 or ',' or '\r' or '\n')
            {
                endOfRecord = EndOfField(quoted: false);
                return _field.ToString().Trim();
            }

            _field.Append((char)_reader.Read());
        }
    }

    private bool EndOfField(bool quoted)
    {
        int c = _reader.Peek();
        switch (c)
        {
            case ',':
                _reader.Read();
                return false;
            case '\r' or '\n':
                ReadLineBreak();
                return true;
            case < 0:
                return true;
            default:
                throw new InvalidDataException($"line {_line}: unexpected '{(char)c}' after a {(quoted ? "quoted field: a closing quote must be followed by a comma or a line break" : "field")}.");
        }
    }

    private void ReadLineBreak()
    {
        if (_reader.Read() == '\r' && _reader.Peek() == '\n')
        {
            _reader.Read();
        }

        _line++;
    }
}
