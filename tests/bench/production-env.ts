// Imported first by run.ts: libraries that look at NODE_ENV when they load or when an app is created
// (Express among them) must see production, as in a deployment.
process.env.NODE_ENV = 'production';
