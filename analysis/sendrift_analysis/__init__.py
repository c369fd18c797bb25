"""sendrift_analysis: read a sendrift result file, compute sensitivity
indices, draw figures and write a report.

Modules:
  results   open a result file (docs/output-format.md), the failed-run policy
  sobol     Sobol indices from a Saltelli design (as SALib.analyze.sobol)
  morris    Morris elementary effects (as SALib.analyze.morris)
  figures   PNG figures
  report    a one-page Markdown or HTML summary

Only numpy and h5py are needed for reading and the indices; matplotlib for
figures and the report.
"""

__version__ = "0.1.0"

from .results import ResultFile, ResultError

__all__ = ["ResultFile", "ResultError"]
