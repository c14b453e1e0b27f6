"""What the Splink runs share: clustering the predictions and writing them in
the `id,cluster_id` form `compare.py` scores."""


def write_clusters(linker, predictions, threshold, out, id_column, prefix=None):
    """Clusters `predictions` at `threshold` and writes `id,cluster_id` to `out`.
    With `prefix` (source dataset name -> id prefix), ids get their file's prefix."""
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    rows = clusters.as_duckdbpyrelation()
    columns = rows.columns
    with open(out, "w") as f:
        f.write("id,cluster_id\n")
        for record in rows.fetchall():
            d = dict(zip(columns, record))
            source = (prefix or {}).get(d.get("source_dataset"), "")
            f.write(f"{source}{d[id_column]},{d['cluster_id']}\n")
