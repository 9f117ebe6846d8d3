"""The Model Monitor analyzer image (`sagemaker-model-monitor-analyzer`): baselines and data
quality reports of captured endpoint traffic, as a processing container. Pure Python + numpy."""
