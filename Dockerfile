# syntax=docker/dockerfile:1

# Build: the same `dotnet publish` the tests exercise, restored from the project file first so the
# package layer is reused until a dependency changes.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/AccountService/AccountService.csproj src/AccountService/
RUN dotnet restore src/AccountService/AccountService.csproj
COPY src/ src/
RUN dotnet publish src/AccountService/AccountService.csproj -c Release --no-restore -o /app

# Run: the ASP.NET runtime only, as the image's non-root user. No secrets are baked in; every setting
# comes from the environment (ConnectionStrings__Accounts, Auth__…, Stripe__…).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "AccountService.dll"]
