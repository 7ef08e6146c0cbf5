"""The bare ceiling for bench/pipeline.py: the smallest nameko pipeline that does what Pavilion's
report path does (HTTP → DB insert → event → DB insert), with no Pavilion code at all."""
