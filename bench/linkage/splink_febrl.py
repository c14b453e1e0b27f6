"""Splink (4.0) on FEBRL, configured as in Splink's own FEBRL3 and FEBRL4 examples
(docs/demos/examples/duckdb/febrl3 and febrl4): the same comparisons, training
steps and blocking rules. Writes `id,cluster_id` at the given threshold.

usage: splink_febrl.py 3 dataset3.csv - out.csv THRESHOLD
       splink_febrl.py 4 dataset4a.csv dataset4b.csv out.csv THRESHOLD
"""

import sys

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink_common import write_clusters


def load(con, path, name):
    con.sql(
        f"""
        create table {name} as
        select * replace (
            trim(cast(date_of_birth as varchar)) as date_of_birth,
            trim(cast(soc_sec_id as varchar)) as soc_sec_id,
            trim(cast(postcode as varchar)) as postcode
        )
        from read_csv('{path}', header = true, all_varchar = true)
        """
    )


def main():
    kind, first, second, out, threshold = sys.argv[1:6]
    threshold = float(threshold)
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    if kind == "3":
        load(con, first, "a")
        blocking_rules = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        settings = SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=blocking_rules,
            comparisons=[
                cl.NameComparison("given_name"),
                cl.NameComparison("surname"),
                cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                         datetime_format="%Y%m%d", invalid_dates_as_null=True),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            ],
        )
        linker = Linker("a", settings, db_api=db_api)
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("soc_sec_id"),
                block_on("given_name", "surname", "date_of_birth"),
                "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
            ],
            recall=0.9,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
        prefix = {}
    else:
        load(con, first, "a")
        load(con, second, "b")
        blocking_rules = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        settings = SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="link_only",
            blocking_rules_to_generate_predictions=blocking_rules,
            comparisons=[
                cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                         datetime_format="%Y%m%d", invalid_dates_as_null=True),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                    term_frequency_adjustments=True
                ),
            ],
        )
        linker = Linker(["a", "b"], settings, db_api=db_api, input_table_aliases=["a", "b"])
        linker.training.estimate_probability_two_random_records_match(
            [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")],
            recall=0.8,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("date_of_birth"), estimate_without_term_frequencies=True
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("postcode"), estimate_without_term_frequencies=True
        )
        prefix = {"a": "a:", "b": "b:"}
    predictions = linker.inference.predict(threshold_match_probability=min(0.2, threshold))
    write_clusters(linker, predictions, threshold, out, "rec_id", prefix)


if __name__ == "__main__":
    main()
