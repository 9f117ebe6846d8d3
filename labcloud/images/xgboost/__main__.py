"""Entry point of the image: the platform runs `python -m labcloud.images.xgboost train|serve`,
as SageMaker runs `docker run <image> train|serve`."""
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    mode = args[0] if args else ""
    if mode == "train":
        from .train import main as run
        return run()
    if mode == "serve":
        from .serve import main as run
        return run()
    print(f"usage: python -m labcloud.images.xgboost train|serve (got {' '.join(args) or 'nothing'})",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
