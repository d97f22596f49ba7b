"""Many units and periods at once: units of the county, planning, local and Dask execution."""
