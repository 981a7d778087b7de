"""The file spark-submit runs: `spark-submit jobs/spark_score.py --input ... --output ...`."""

import sys

from {{ cookiecutter.package_name }}.cli import app

app(["spark-score", *sys.argv[1:]], prog_name="spark_score.py")
