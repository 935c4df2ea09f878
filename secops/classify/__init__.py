"""Sensitive-data detection and classification-and-grading (数据分类分级).

Entry points: ``secops.classify.engine.Classifier`` (load, classify, reload), ``secops.classify.reload``
(watch_rules), ``secops.classify.cli`` (run_scan, run_rule_tests, check), ``secops.classify.masking`` (mask)
and ``secops.classify.config.ClassificationSettings``. Kept import-light: components that only mask values
do not load the scan engines.
"""

from secops.native import extend_path

extend_path(__name__, __path__)
