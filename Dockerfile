# The app as a container image: everything is installed at build time; at start the app
# downloads nothing (the data is scikit-learn's bundled digits, the trained models are the
# committed checkpoints/).
#   docker build -t genmodels .
#   docker run --rm -p 8501:8501 genmodels        -> http://localhost:8501
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. torch's CPU wheel comes
# from PyTorch's CPU index (PyPI's Linux wheel would pull the CUDA libraries).
COPY requirements.txt .
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

# The app, its Streamlit config and the trained checkpoints (see .dockerignore).
COPY . .

RUN useradd --create-home --uid 1000 app
USER app

EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

# No file watcher: a served app does not reload on edits.
CMD ["python", "-m", "streamlit", "run", "app.py", \
     "--server.headless=true", "--server.address=0.0.0.0", "--server.port=8501", \
     "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"]
