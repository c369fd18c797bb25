"""sendrift_analysis: read a sendrift result file, compute sensitivity
indices, draw figures and write a report.

    import sendrift_analysis as sa
    with sa.open("results.h5") as res:
        df = res.to_dataframe(status="DONE")   # pandas: one row per run
        ds = res.to_xarray()                   # xarray: dims run, time, param
        Si = res.sobol("final_F")              # or res.morris(...): SALib's keys

Modules:
  results   open a result file (docs/output-format.md), the failed-run policy
  tables    the file as a pandas DataFrame or an xarray Dataset
  sobol     Sobol indices from a Saltelli design (as SALib.analyze.sobol)
  morris    Morris elementary effects (as SALib.analyze.morris)
  figures   PNG figures
  report    a one-page Markdown or HTML summary
  cli       the tools sensitivity, figures and report (console scripts
            sendrift-sensitivity, sendrift-figures, sendrift-report)

Only numpy and h5py are needed for reading and the indices; matplotlib for
figures and the report; pandas for to_dataframe() and xarray for
to_xarray(), imported only when those are called.
"""

__version__ = "0.1.0"

from .results import ResultError, ResultFile

__all__ = ["ResultFile", "ResultError", "open"]


def open(path):  # noqa: A001 (sendrift_analysis.open, as xarray.open_dataset)
    """Open a sendrift result file read-only: a ResultFile, to use as a
    context manager (`with sendrift_analysis.open(p) as res:`) or to close()
    when done.  Raises ResultError, naming the file, when it is missing or
    not a sendrift result file."""
    return ResultFile(path)
