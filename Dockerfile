# Plaza in a container: a static binary on a minimal base, run as a user
# without privileges. Build: docker build -t plaza .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go (the SQLite driver too), so the binary is static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/plaza ./cmd/plaza

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/plaza /usr/local/bin/plaza
# SQLite data, when used, lives in a volume owned by the nonroot user.
WORKDIR /home/nonroot
VOLUME ["/home/nonroot/data"]
ENV PLAZA_ADDR=:8080 PLAZA_LOG_FORMAT=json
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/plaza"]
CMD ["serve"]
