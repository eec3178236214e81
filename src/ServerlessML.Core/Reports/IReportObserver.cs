namespace ServerlessML.Reports;

/// <summary>Told of every report written, e.g. to send its figures and breaches to Application Insights.</summary>
public interface IReportObserver
{
    void ReportWritten(ModelReport report);
}
