"""Built-in algorithm images. An image is a manifest (facts as data) plus the code a container
runs; `registry.resolve` turns the URI a student copies from `image_uris.retrieve` into one."""
