"""Splink (4.0) on the synthetic registry (`synthetic.py`'s Splink file, names
already folded to lower-case Latin), with comparisons and blocking rules of the
kind its examples use for people. Writes `id,cluster_id` at the threshold.

usage: splink_synthetic.py records.csv out.csv THRESHOLD
"""

import sys

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink_common import write_clusters


def main():
    src, out, threshold = sys.argv[1], sys.argv[2], float(sys.argv[3])
    con = duckdb.connect()
    con.sql(f"create table people as select * from read_csv('{src}', header = true, all_varchar = true)")
    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="dedupe_only",
        # Sized as Splink's guidance asks (tens of millions of comparisons at
        # 1M records, not hundreds): with a registry's few common names, a
        # rule on given and family name alone brings 440 million pairs at 1M.
        blocking_rules_to_generate_predictions=[
            block_on("national_id"),
            block_on("phone"),
            block_on("birth_date"),
            block_on("given_name", "family_name", "birth_year"),
            "l.given_name = r.family_name and l.family_name = r.given_name and l.birth_year = r.birth_year",
            block_on("given_name", "family_name", "father_name"),
            block_on("family_name", "father_name", "birth_year"),
            block_on("given_name", "father_name", "birth_year"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("father_name"),
            cl.NameComparison("mother_name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True, datetime_format="%Y-%m-%d",
                                     invalid_dates_as_null=True),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("sex"),
            cl.DamerauLevenshteinAtThresholds("national_id", [1, 2]),
            cl.ExactMatch("locality").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
        ],
    )
    linker = Linker("people", settings, db_api=db_api)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("national_id"), block_on("given_name", "family_name", "birth_date")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    # (Of the sessions tried at 100,000 — national ID; given, family name and
    # birth year; given, family and father's name — this one gave Splink its
    # best F1.)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name", "father_name")
    )
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    write_clusters(linker, predictions, threshold, out, "unique_id")


if __name__ == "__main__":
    main()
