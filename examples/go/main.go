// Whaly's guide from a Go program: the admin connects to the primary; Whaly reads the public schema.
package main

import (
	"example.com/pulumi-whaly-postgres/sdk/go/whalypostgres"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		admin := &whalypostgres.WhalyPostgresAdminArgsArgs{
			Host:     pulumi.String(cfg.Require("adminHost")),
			Username: pulumi.String("postgres"),
			Password: cfg.RequireSecret("adminPassword"),
		}
		if port, err := cfg.TryInt("adminPort"); err == nil { // default 5432
			admin.Port = pulumi.Float64(float64(port))
		}
		if sslMode, err := cfg.Try("adminSslMode"); err == nil { // default the provider's
			admin.SslMode = pulumi.String(sslMode)
		}
		whaly, err := whalypostgres.NewWhalyPostgresAccess(ctx, "whaly", &whalypostgres.WhalyPostgresAccessArgs{
			Database: pulumi.String("analytics"),
			Admin:    admin,
		})
		if err != nil {
			return err
		}
		// The five fields of Whaly's form.
		ctx.Export("host", whaly.Host)
		ctx.Export("port", whaly.Port)
		ctx.Export("database", whaly.Database)
		ctx.Export("user", whaly.User)
		ctx.Export("password", whaly.Password)
		return nil
	})
}
