# syntax=docker/dockerfile:1

# Build: the same `dotnet publish -c Release` the tests run (PublishedServiceTests), restored from the project file
# first so the package layer is reused until a dependency changes.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/AccountService/AccountService.csproj src/AccountService/
RUN dotnet restore src/AccountService/AccountService.csproj
COPY src/ src/
RUN dotnet publish src/AccountService/AccountService.csproj -c Release --no-restore -o /app

# Run: the chiseled ASP.NET runtime (no shell, no package manager; the app uses invariant globalization, so it needs
# no ICU). It runs as the image's non-root user. No secrets are baked in: every setting comes from the environment
# (ConnectionStrings__Accounts, Auth__…, DataProtection__KeyRingKey, Stripe__…). The health check runs the binary's
# own `probe` verb.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .
# /metrics (Prometheus) on a port of its own, on every interface of the container; the gateway never routes it.
ENV ASPNETCORE_HTTP_PORTS=8080 Metrics__Url=http://+:9464
# The garbage collector's first gen0 budget, 20 MB (hex), whatever the host: the runtime sizes it from the CPU's
# largest cache otherwise, so the same image held 70 MB more on a host with a 300 MB L3 (README, Memory). It can only
# be set from the environment; bench/run gives the services and its ceiling app the same.
ENV DOTNET_GCgen0size=0x1400000
EXPOSE 8080 9464
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["dotnet", "AccountService.dll", "probe", "http://127.0.0.1:8080/health/live"]
ENTRYPOINT ["dotnet", "AccountService.dll"]
