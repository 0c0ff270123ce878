# The kit's autograder as a container image: one submission in, one results file out.
#
#   docker build -t makemore-numpy-grader:0.1.0 .
#   docker run --rm --network none -v "$PWD/alice:/submission:ro" -v "$PWD/out:/results" \
#       makemore-numpy-grader:0.1.0 --assignment a2            # writes out/results.json
#
# What it holds: Python and the exact versions the kit was calibrated with (hypothesis's examples, and so the
# hidden checks, depend on its version; tests/test_platforms.py checks these pins against pyproject.toml),
# the grader and the hidden reference (read-only, owned by root), and an unprivileged user that runs it.
# Inside, grading is the kit's own path with its own sandbox (grader/SECURITY.md): the student's code runs in a
# confined child process; the container adds a fresh filesystem per submission, no network (--network none),
# and the platform's CPU and memory limits. docs/platforms.md: PrairieLearn, Kubernetes, the sizes of a class.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m pip install numpy==2.4.6 hypothesis==6.155.2 nbformat==5.11.1

RUN useradd --uid 10001 --user-group --create-home --home-dir /home/grader --shell /usr/sbin/nologin grader \
    && mkdir -p /submission /results && chown grader:grader /results

WORKDIR /opt/makemore
COPY grader/ grader/
COPY reference/ reference/
COPY data/ data/
COPY pyproject.toml setup.py ./
# Owned by root, readable by all, writable by none: the grader reads the reference, nobody changes it.
RUN chown -R root:root /opt/makemore && chmod -R a+rX,go-w /opt/makemore \
    && PYTHONPATH=/opt/makemore python -c "import grader.instructor.container, reference"

ENV PYTHONPATH=/opt/makemore
USER grader
ENTRYPOINT ["python", "-m", "grader.instructor.container", "--submission", "/submission", "--out", "/results/results.json"]
CMD ["--help"]
