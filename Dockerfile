# One image for every Pavilion service; the command picks the service (pavilion run SERVICE).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pavilion ./pavilion
COPY shared ./shared
COPY services ./services
COPY data ./data
RUN pip install --no-cache-dir .
ENV PAVILION_HTTP_HOST=0.0.0.0 PAVILION_LOG_FORMAT=json
ENTRYPOINT ["pavilion"]
